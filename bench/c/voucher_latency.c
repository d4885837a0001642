/*
 * Latency of blocking voucher sends through the C API: `voucher_latency CALLS PREFIX` makes CALLS sequential
 * calls on one client (after 20 warm-up calls) and prints `sample_ns=N` for each, measured with CLOCK_MONOTONIC
 * around everything a C caller does per call: request object, setters, the call, reading and freeing the result.
 * Driven by ffi/benches/c_overhead.rs, which compares it with the Rust async call on the same sandbox.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alipay_marketing.h"

static const char *env(const char *name) {
    const char *value = getenv(name);
    if (value == NULL) {
        fprintf(stderr, "set %s\n", name);
        exit(2);
    }
    return value;
}

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int send_one(const alipay_client *client, const char *prefix, int i) {
    char out_biz_no[64];
    alipay_voucher_send_request *request = alipay_voucher_send_request_new();
    alipay_voucher_send_result *result = NULL;
    alipay_status status;
    snprintf(out_biz_no, sizeof out_biz_no, "%s-%06d", prefix, i);
    alipay_voucher_send_request_set_template_id(request, "TPL-FIXED-10", NULL);
    alipay_voucher_send_request_set_out_biz_no(request, out_biz_no, NULL);
    alipay_voucher_send_request_set_user_id(request, "2088000000000001", NULL);
    status = alipay_client_send_voucher(client, request, &result, NULL);
    if (status == ALIPAY_STATUS_OK && alipay_voucher_send_result_voucher_id(result)[0] == '\0') {
        status = ALIPAY_STATUS_DECODE;
    }
    alipay_voucher_send_result_free(result);
    alipay_voucher_send_request_free(request);
    return status == ALIPAY_STATUS_OK;
}

int main(int argc, char **argv) {
    alipay_client_builder *builder = alipay_client_builder_new();
    alipay_client *client = NULL;
    alipay_error *error = NULL;
    int calls, i;
    char warm[80];

    if (argc != 3 || (calls = atoi(argv[1])) <= 0) {
        fprintf(stderr, "usage: %s CALLS PREFIX\n", argv[0]);
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
            fprintf(stderr, "warm-up call %d failed\n", i);
            return 1;
        }
    }
    for (i = 0; i < calls; i++) {
        long long start = now_ns();
        int ok = send_one(client, argv[2], i);
        long long elapsed = now_ns() - start;
        if (!ok) {
            fprintf(stderr, "call %d failed\n", i);
            return 1;
        }
        printf("sample_ns=%lld\n", elapsed);
    }
    alipay_client_free(client);
    return 0;
}
