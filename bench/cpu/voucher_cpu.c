/*
 * The C face's side of `make bench-cpu` (bench/cpu/run.py): blocking voucher sends through the C API.
 *
 * `voucher_cpu SECONDS PREFIX`, with the sandbox's ALIPAY_* variables in the environment: makes 20 warm-up calls,
 * prints `ready`, waits for a line on stdin, then makes sequential calls on one client for SECONDS and prints
 * `done calls=N wall_ns=W`; it exits at the next line or end of stdin. Each call is everything a C caller does:
 * request object, setters, the call, reading and freeing the result. The runner reads this process's CPU time
 * from /proc between `ready` and `done`.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "alipay_marketing.h"

static const char *env(const char *name) {
    const char *value = getenv(name);
    if (value == NULL) {
        fprintf(stderr, "set %s (source the sandbox's env file)\n", name);
        exit(2);
    }
    return value;
}

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int send_one(const alipay_client *client, const char *prefix, long n) {
    char out_biz_no[64];
    alipay_voucher_send_request *request = alipay_voucher_send_request_new();
    alipay_voucher_send_result *result = NULL;
    alipay_error *error = NULL;
    alipay_status status;
    snprintf(out_biz_no, sizeof out_biz_no, "%s-%ld", prefix, n);
    alipay_voucher_send_request_set_template_id(request, "TPL-FIXED-10", NULL);
    alipay_voucher_send_request_set_out_biz_no(request, out_biz_no, NULL);
    alipay_voucher_send_request_set_user_id(request, "2088000000000001", NULL);
    status = alipay_client_send_voucher(client, request, &result, &error);
    if (status != ALIPAY_STATUS_OK) {
        fprintf(stderr, "call %ld failed: %s\n", n, alipay_error_message(error));
    } else if (alipay_voucher_send_result_voucher_id(result)[0] == '\0') {
        fprintf(stderr, "call %ld: an answer without a voucher_id\n", n);
        status = ALIPAY_STATUS_DECODE;
    }
    alipay_error_free(error);
    alipay_voucher_send_result_free(result);
    alipay_voucher_send_request_free(request);
    return status == ALIPAY_STATUS_OK;
}

int main(int argc, char **argv) {
    alipay_client_builder *builder = alipay_client_builder_new();
    alipay_client *client = NULL;
    alipay_error *error = NULL;
    char warm[80], line[16];
    double seconds;
    long calls = 0, i;
    long long started, deadline;

    if (argc != 3 || (seconds = atof(argv[1])) <= 0) {
        fprintf(stderr, "usage: %s SECONDS PREFIX\n", argv[0]);
        return 2;
    }
    alipay_client_builder_set_app_id(builder, env("ALIPAY_APP_ID"), NULL);
    alipay_client_builder_set_private_key_file(builder, env("ALIPAY_APP_PRIVATE_KEY_FILE"), NULL);
    alipay_client_builder_set_alipay_public_key_file(builder, env("ALIPAY_PUBLIC_KEY_FILE"), NULL);
    alipay_client_builder_set_gateway(builder, env("ALIPAY_GATEWAY_URL"), NULL);
    if (alipay_client_builder_build(builder, &client, &error) != ALIPAY_STATUS_OK) {
        fprintf(stderr, "build: %s\n", alipay_error_message(error));
        return 1;
    }
    alipay_client_builder_free(builder);

    snprintf(warm, sizeof warm, "%s-warm", argv[2]);
    for (i = 0; i < 20; i++) {
        if (!send_one(client, warm, i)) {
            return 1;
        }
    }
    printf("ready\n");
    fflush(stdout);
    if (fgets(line, sizeof line, stdin) == NULL) {
        return 1;
    }
    started = now_ns();
    deadline = started + (long long)(seconds * 1e9);
    while (now_ns() < deadline) {
        if (!send_one(client, argv[2], calls)) {
            return 1;
        }
        calls++;
    }
    printf("done calls=%ld wall_ns=%lld\n", calls, now_ns() - started);
    fflush(stdout);
    if (fgets(line, sizeof line, stdin) == NULL) {
        line[0] = '\0';
    }
    alipay_client_free(client);
    return 0;
}
