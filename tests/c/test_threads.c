/*
 * Many threads share one client: `test_threads THREADS CALLS PREFIX` sends CALLS vouchers of TPL-FIXED-10, with
 * out_biz_no PREFIX-0000.., split across THREADS threads, then prints one `voucher OUT_BIZ_NO VOUCHER_ID` line per
 * call. The harness checks that the sandbox issued exactly these vouchers: none lost, none duplicated.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "support.h"

#define ID_SIZE 64

struct job {
    alipay_client *client;
    const char *prefix;
    int first;
    int last; /* exclusive */
    char (*ids)[ID_SIZE];
    int failures;
};

static void *send_vouchers(void *arg) {
    struct job *job = (struct job *)arg;
    int i;
    for (i = job->first; i < job->last; i++) {
        char out_biz_no[64];
        alipay_voucher_send_request *request = alipay_voucher_send_request_new();
        alipay_voucher_send_result *result = NULL;
        alipay_error *error = NULL;
        alipay_status status;

        snprintf(out_biz_no, sizeof out_biz_no, "%s-%04d", job->prefix, i);
        alipay_voucher_send_request_set_template_id(request, "TPL-FIXED-10", NULL);
        alipay_voucher_send_request_set_out_biz_no(request, out_biz_no, NULL);
        alipay_voucher_send_request_set_user_id(request, "2088000000000001", NULL);
        status = alipay_client_send_voucher(job->client, request, &result, &error);
        if (status == ALIPAY_STATUS_OK) {
            snprintf(job->ids[i], ID_SIZE, "%s", alipay_voucher_send_result_voucher_id(result));
        } else {
            fprintf(stderr, "%s: %s\n", out_biz_no, alipay_error_message(error));
            job->failures++;
        }
        alipay_voucher_send_result_free(result);
        alipay_error_free(error);
        alipay_voucher_send_request_free(request);
    }
    return NULL;
}

static int compare_ids(const void *a, const void *b) {
    return strcmp((const char *)a, (const char *)b);
}

int main(int argc, char **argv) {
    int threads, calls, t, i;
    const char *prefix;
    alipay_client *client;
    pthread_t *handles;
    struct job *jobs;
    char (*ids)[ID_SIZE];
    char (*sorted)[ID_SIZE];

    if (argc != 4 || (threads = atoi(argv[1])) <= 0 || (calls = atoi(argv[2])) <= 0) {
        fprintf(stderr, "usage: %s THREADS CALLS PREFIX\n", argv[0]);
        return 2;
    }
    prefix = argv[3];
    client = client_from_env();
    handles = (pthread_t *)calloc((size_t)threads, sizeof *handles);
    jobs = (struct job *)calloc((size_t)threads, sizeof *jobs);
    ids = (char (*)[ID_SIZE])calloc((size_t)calls, ID_SIZE);
    sorted = (char (*)[ID_SIZE])calloc((size_t)calls, ID_SIZE);
    CHECK(handles != NULL && jobs != NULL && ids != NULL && sorted != NULL);

    for (t = 0; t < threads; t++) {
        jobs[t].client = client;
        jobs[t].prefix = prefix;
        jobs[t].first = calls * t / threads;
        jobs[t].last = calls * (t + 1) / threads;
        jobs[t].ids = ids;
        CHECK(pthread_create(&handles[t], NULL, send_vouchers, &jobs[t]) == 0);
    }
    for (t = 0; t < threads; t++) {
        CHECK(pthread_join(handles[t], NULL) == 0);
        CHECK(jobs[t].failures == 0);
    }

    /* Every call got a voucher id, and no two calls got the same one. */
    memcpy(sorted, ids, (size_t)calls * ID_SIZE);
    qsort(sorted, (size_t)calls, ID_SIZE, compare_ids);
    for (i = 0; i < calls; i++) {
        CHECK(sorted[i][0] != '\0');
        if (i > 0) {
            CHECK(strcmp(sorted[i - 1], sorted[i]) != 0);
        }
        printf("voucher %s-%04d %s\n", prefix, i, ids[i]);
    }

    /* Retries (an attempt that outlived its deadline on a slow machine) reuse the call's key: the sandbox may
       count more calls than vouchers, never more than attempts. */
    {
        alipay_stats stats;
        CHECK(alipay_client_stats(client, &stats, NULL) == ALIPAY_STATUS_OK);
        printf("stat_attempts=%llu\n", (unsigned long long)stats.attempts);
    }
    alipay_client_free(client);
    free(handles);
    free(jobs);
    free(ids);
    free(sorted);
    return finish("threads");
}
