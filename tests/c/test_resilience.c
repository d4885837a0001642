/*
 * Retries, per-call options, stats, close and free during calls, the configuration doctor and the
 * invalid-signature explainer, one case per run (the harness arms the sandbox's faults before each and checks its
 * state after):
 *
 *   test_resilience retry_once | no_retry | call_options | stats | close | shutdown | limits | doctor |
 *                   explainer | exactly_once THREADS CALLS_PER_THREAD
 *
 * Output lines `voucher OUT_BIZ_NO VOUCHER_ID` list the vouchers received; `stat_NAME=VALUE` lines the client's
 * counters at the end of a case. Extra environment: ALIPAY_TEST_APP_PUBLIC_KEY_FILE (the app's own public key),
 * ALIPAY_TEST_WRONG_PUBLIC_KEY_FILE and ALIPAY_TEST_STRANGER_PRIVATE_KEY_FILE (a key pair nobody registered),
 * ALIPAY_TEST_TAMPER_URL (a gateway URL whose traffic is rewritten on the way: c-explain-1 becomes c-explain-2).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <time.h>

#include "support.h"

static const char *USER = "2088000000000001";

static alipay_voucher_send_request *voucher_request(const char *out_biz_no) {
    alipay_voucher_send_request *request = alipay_voucher_send_request_new();
    CHECK(alipay_voucher_send_request_set_template_id(request, "TPL-FIXED-10", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_voucher_send_request_set_out_biz_no(request, out_biz_no, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_voucher_send_request_set_user_id(request, USER, NULL) == ALIPAY_STATUS_OK);
    return request;
}

/* Sends one voucher with `options` (may be NULL); on success prints it. Returns the status and stores the error
 * in `*error_out` when it is not NULL. */
static alipay_status send_one(alipay_client *client, const char *out_biz_no, const alipay_call_options *options,
                              alipay_error **error_out) {
    alipay_voucher_send_request *request = voucher_request(out_biz_no);
    alipay_voucher_send_result *result = NULL;
    alipay_status status =
        alipay_client_send_voucher_with_options(client, request, options, &result, error_out);
    if (status == ALIPAY_STATUS_OK) {
        printf("voucher %s %s\n", out_biz_no, alipay_voucher_send_result_voucher_id(result));
    }
    alipay_voucher_send_result_free(result);
    alipay_voucher_send_request_free(request);
    return status;
}

static void print_stats(const alipay_client *client) {
    alipay_stats s = stats_of(client);
    printf("stat_calls=%llu\nstat_attempts=%llu\nstat_retries=%llu\nstat_successes=%llu\nstat_failed=%llu\n"
           "stat_in_flight=%llu\n",
           (unsigned long long)s.calls, (unsigned long long)s.attempts, (unsigned long long)s.retries,
           (unsigned long long)s.successes, (unsigned long long)s.failed, (unsigned long long)s.in_flight);
}

/* The failed_* fields add up to failed. */
static void check_failures_add_up(alipay_stats s) {
    CHECK(s.failed == s.failed_config + s.failed_invalid_request + s.failed_transport + s.failed_timeout +
                          s.failed_http + s.failed_decode + s.failed_signature + s.failed_gateway +
                          s.failed_other);
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_ms(long ms) {
    struct timespec t;
    t.tv_sec = ms / 1000;
    t.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&t, NULL);
}

/* Waits until `n` calls are in flight on `client` (at most a minute). */
static void wait_in_flight(const alipay_client *client, uint64_t n) {
    double until = now_seconds() + 60.0;
    while (stats_of(client).in_flight < n && now_seconds() < until) {
        sleep_ms(5);
    }
    CHECK(stats_of(client).in_flight == n);
}

/* The harness makes the first attempt apply its effect and then answer 20000: the automatic retry (same
 * out_biz_no) learns the voucher without a second one being issued. */
static void case_retry_once(void) {
    alipay_client_builder *builder = builder_from_env();
    alipay_client *client;
    alipay_error *error = NULL;
    alipay_stats s;
    CHECK(alipay_client_builder_set_retry_policy(builder, 3, 10, 50, NULL) == ALIPAY_STATUS_OK);
    client = build(builder);

    CHECK_STATUS(send_one(client, "c-retry-once-0001", NULL, &error), ALIPAY_STATUS_OK, error);
    alipay_error_free(error);
    s = stats_of(client);
    CHECK(s.calls == 1);
    CHECK(s.attempts == 2);
    CHECK(s.retries == 1);
    CHECK(s.successes == 1);
    CHECK(s.failed == 0);
    CHECK(s.in_flight == 0);
    print_stats(client);
    alipay_client_free(client);
}

/* Retries off on the builder: the same fault leaves the outcome unknown, with the key to retry with; sending the
 * same request again (the fault is spent) returns the voucher the first attempt created. */
static void case_no_retry(void) {
    alipay_client_builder *builder = builder_from_env();
    alipay_client *client;
    alipay_error *error = NULL;
    alipay_stats s;
    CHECK(alipay_client_builder_set_retry_policy(builder, 1, 0, 0, NULL) == ALIPAY_STATUS_OK);
    client = build(builder);

    CHECK_STATUS(send_one(client, "c-no-retry-0001", NULL, &error), ALIPAY_STATUS_GATEWAY, error);
    CHECK(alipay_error_outcome_unknown(error));
    CHECK(alipay_error_is_retryable(error));
    CHECK(alipay_error_request_may_have_been_sent(error));
    CHECK(alipay_error_attempts(error) == 1);
    CHECK_STR(alipay_error_idempotency_key(error), "c-no-retry-0001");
    CHECK_STR(alipay_error_gateway_code(error), "20000");
    CHECK(strstr(alipay_error_message(error), "outcome unknown") != NULL);
    CHECK(strstr(alipay_error_message(error), "c-no-retry-0001") != NULL);
    /* Not an invalid-signature answer: the explainer's accessors are empty. */
    CHECK(alipay_error_our_sign_content(error) == NULL);
    CHECK(alipay_error_gateway_sign_content(error) == NULL);
    CHECK(alipay_error_first_differing_parameter(error) == NULL);
    CHECK(alipay_error_likely_cause(error) == NULL);
    alipay_error_free(error);
    error = NULL;
    s = stats_of(client);
    CHECK(s.retries == 0 && s.attempts == 1 && s.failed == 1 && s.failed_gateway == 1);
    check_failures_add_up(s);

    CHECK_STATUS(send_one(client, "c-no-retry-0001", NULL, &error), ALIPAY_STATUS_OK, error);
    alipay_error_free(error);
    print_stats(client);
    alipay_client_free(client);
}

/* Per-call options over a patient client: a single attempt for one call; a short deadline for another (the
 * harness delays it far longer), then learning its outcome with the same key; the other calls with options. */
static void case_call_options(void) {
    alipay_client_builder *builder = builder_from_env();
    alipay_client *client;
    alipay_call_options *once = alipay_call_options_new();
    alipay_call_options *hurried = alipay_call_options_new();
    alipay_error *error = NULL;
    CHECK(alipay_client_builder_set_retry_policy(builder, 5, 10, 50, NULL) == ALIPAY_STATUS_OK);
    client = build(builder);
    CHECK(once != NULL && hurried != NULL);

    /* Impossible values are refused and change nothing. */
    CHECK_STATUS(alipay_call_options_set_retry_policy(once, 0, 10, 50, &error), ALIPAY_STATUS_CONFIG, error);
    CHECK_STR(alipay_error_field(error), "max_attempts");
    alipay_error_free(error);
    error = NULL;
    CHECK_STATUS(alipay_call_options_set_retry_policy(once, 2, 50, 10, &error), ALIPAY_STATUS_CONFIG, error);
    CHECK_STR(alipay_error_field(error), "max_backoff_ms");
    alipay_error_free(error);
    error = NULL;
    CHECK(alipay_call_options_set_timeout_ms(once, 0, NULL) == ALIPAY_STATUS_INVALID_REQUEST);
    CHECK(alipay_call_options_set_timeout_ms(NULL, 10, NULL) == ALIPAY_STATUS_NULL_ARGUMENT);
    CHECK(alipay_call_options_set_retry_policy(NULL, 1, 0, 0, NULL) == ALIPAY_STATUS_NULL_ARGUMENT);
    alipay_call_options_free(NULL);

    CHECK(alipay_call_options_set_retry_policy(once, 1, 0, 0, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_call_options_set_timeout_ms(hurried, 300, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_call_options_set_retry_policy(hurried, 1, 0, 0, NULL) == ALIPAY_STATUS_OK);

    /* 1st voucher call: effect applied, answer lost; this call makes one attempt although the client would make 5. */
    CHECK_STATUS(send_one(client, "c-options-0001", once, &error), ALIPAY_STATUS_GATEWAY, error);
    CHECK(alipay_error_outcome_unknown(error));
    CHECK(alipay_error_attempts(error) == 1);
    CHECK_STR(alipay_error_idempotency_key(error), "c-options-0001");
    alipay_error_free(error);
    error = NULL;

    /* 2nd: the gateway is slow; the call's own 300 ms deadline ends it long before the client's. */
    CHECK_STATUS(send_one(client, "c-options-0002", hurried, &error), ALIPAY_STATUS_TIMEOUT, error);
    CHECK(alipay_error_outcome_unknown(error));
    CHECK(alipay_error_attempts(error) == 1);
    CHECK_STR(alipay_error_idempotency_key(error), "c-options-0002");
    alipay_error_free(error);
    error = NULL;

    /* Learning both outcomes: the same keys again, with the client's settings (NULL options). */
    CHECK_STATUS(send_one(client, "c-options-0001", NULL, &error), ALIPAY_STATUS_OK, error);
    alipay_error_free(error);
    error = NULL;
    CHECK_STATUS(send_one(client, "c-options-0002", NULL, &error), ALIPAY_STATUS_OK, error);
    alipay_error_free(error);
    error = NULL;

    /* The other calls accept options too. */
    {
        alipay_invite_award_request *invite = alipay_invite_award_request_new();
        alipay_invite_award_result *award = NULL;
        alipay_points_update_request *points = alipay_points_update_request_new();
        alipay_points_update_result *moved = NULL;
        alipay_response *response = NULL;
        CHECK(alipay_invite_award_request_set_mobile(invite, "13912345678", NULL) == ALIPAY_STATUS_OK);
        CHECK(alipay_invite_award_request_set_out_biz_no(invite, "c-options-invite-1", NULL) == ALIPAY_STATUS_OK);
        CHECK_STATUS(alipay_client_receive_invite_award_with_options(client, invite, once, &award, &error),
                     ALIPAY_STATUS_OK, error);
        CHECK(alipay_invite_award_result_biz_result_code(award) != NULL);
        CHECK(alipay_points_update_request_set_req_id(points, "c-options-points-1", NULL) == ALIPAY_STATUS_OK);
        CHECK(alipay_points_update_request_set_user_id(points, USER, NULL) == ALIPAY_STATUS_OK);
        CHECK(alipay_points_update_request_set_activity_account(points, "STAMP-CARD-01", NULL) == ALIPAY_STATUS_OK);
        CHECK(alipay_points_update_request_set_trans_type(points, "DEPOSIT", NULL) == ALIPAY_STATUS_OK);
        CHECK(alipay_points_update_request_set_trans_amount(points, 5, NULL) == ALIPAY_STATUS_OK);
        CHECK(alipay_points_update_request_set_biz_no(points, "2024052722001400000000000099", NULL) ==
              ALIPAY_STATUS_OK);
        CHECK_STATUS(alipay_client_update_points_with_options(client, points, once, &moved, &error),
                     ALIPAY_STATUS_OK, error);
        CHECK(alipay_points_update_result_point_log_no(moved) != NULL);
        CHECK_STATUS(alipay_client_execute_with_options(
                         client, "alipay.marketing.voucher.send",
                         "{\"template_id\":\"TPL-FIXED-10\",\"out_biz_no\":\"c-options-0003\",\"user_id\":"
                         "\"2088000000000001\"}",
                         once, &response, &error),
                     ALIPAY_STATUS_OK, error);
        CHECK(response != NULL && strstr(alipay_response_body(response), "voucher_id") != NULL);
        CHECK(alipay_client_send_voucher_with_options(NULL, NULL, once, NULL, NULL) == ALIPAY_STATUS_NULL_ARGUMENT);
        alipay_error_free(error);
        alipay_response_free(response);
        alipay_points_update_result_free(moved);
        alipay_points_update_request_free(points);
        alipay_invite_award_result_free(award);
        alipay_invite_award_request_free(invite);
    }

    alipay_call_options_free(once);
    alipay_call_options_free(hurried);
    print_stats(client);
    alipay_client_free(client);
}

/* Builds from `builder` expecting ALIPAY_STATUS_CONFIG about `field`, and checks that the doctor calls the same
 * configuration unhealthy with a problem about that field. */
static void expect_refused(alipay_client_builder *builder, const char *field) {
    alipay_client *client = NULL;
    alipay_error *error = NULL;
    alipay_doctor_report *report = NULL;
    size_t i;
    int found = 0;
    CHECK_STATUS(alipay_client_builder_build(builder, &client, &error), ALIPAY_STATUS_CONFIG, error);
    CHECK_STR(alipay_error_field(error), field);
    CHECK(client == NULL);
    alipay_error_free(error);
    CHECK(alipay_client_builder_doctor(builder, &report, NULL) == ALIPAY_STATUS_OK);
    CHECK(!alipay_doctor_report_is_healthy(report));
    for (i = 0; i < alipay_doctor_report_count(report); i++) {
        if (str_eq(alipay_doctor_report_topic(report, i), field) &&
            alipay_doctor_report_level(report, i) == ALIPAY_DOCTOR_LEVEL_PROBLEM) {
            found = 1;
        }
    }
    CHECK(found);
    alipay_doctor_report_free(report);
}

/* Values that used to panic inside the library (a tiny rate, a huge burst, a deadline near 2^64 ms) are
 * configuration errors naming the option, at build and in the doctor; max_attempts 0 is refused, not taken as 1. */
static void case_limits(void) {
    alipay_client_builder *builder = builder_from_env();
    alipay_error *error = NULL;

    CHECK(alipay_client_builder_set_rate_limit(builder, 1e-300, 1, NULL) == ALIPAY_STATUS_OK);
    expect_refused(builder, "rate_limit");
    CHECK(alipay_client_builder_set_rate_limit(builder, 1e-9, 4294967295u, NULL) == ALIPAY_STATUS_OK);
    expect_refused(builder, "rate_limit");
    CHECK(alipay_client_builder_set_rate_limit(builder, 5.0, 1, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_timeout_ms(builder, UINT64_MAX, NULL) == ALIPAY_STATUS_OK);
    expect_refused(builder, "timeout");
    CHECK(alipay_client_builder_set_timeout_ms(builder, 5000, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_attempt_timeout_ms(builder, UINT64_MAX, NULL) == ALIPAY_STATUS_OK);
    expect_refused(builder, "attempt_timeout");
    CHECK(alipay_client_builder_set_attempt_timeout_ms(builder, 4000, NULL) == ALIPAY_STATUS_OK);

    CHECK_STATUS(alipay_client_builder_set_max_attempts(builder, 0, &error), ALIPAY_STATUS_CONFIG, error);
    CHECK_STR(alipay_error_field(error), "max_attempts");
    alipay_error_free(error);
    error = NULL;
    CHECK_STATUS(alipay_client_builder_set_pool_idle_timeout_ms(builder, UINT64_MAX, &error), ALIPAY_STATUS_CONFIG,
                 error);
    CHECK_STR(alipay_error_field(error), "pool_idle_timeout_ms");
    alipay_error_free(error);
    error = NULL;
    {
        alipay_call_options *options = alipay_call_options_new();
        CHECK_STATUS(alipay_call_options_set_timeout_ms(options, UINT64_MAX, &error), ALIPAY_STATUS_INVALID_REQUEST,
                     error);
        CHECK_STR(alipay_error_field(error), "timeout_ms");
        alipay_error_free(error);
        alipay_call_options_free(options);
    }
    alipay_client_free(build(builder));
    printf("limits ok\n");
}

/* The counters by kind, the new builder setters, and NULL arguments. */
static void case_stats(void) {
    alipay_client_builder *builder = builder_from_env();
    alipay_client *client;
    alipay_error *error = NULL;
    alipay_stats s;

    CHECK_STATUS(alipay_client_builder_set_retry_policy(builder, 0, 10, 20, &error), ALIPAY_STATUS_CONFIG, error);
    CHECK_STR(alipay_error_field(error), "max_attempts");
    alipay_error_free(error);
    error = NULL;
    CHECK_STATUS(alipay_client_builder_set_pool_idle_timeout_ms(builder, 0, &error), ALIPAY_STATUS_CONFIG, error);
    CHECK_STR(alipay_error_field(error), "pool_idle_timeout_ms");
    alipay_error_free(error);
    error = NULL;
    CHECK(alipay_client_builder_set_http1_only(NULL, true, NULL) == ALIPAY_STATUS_NULL_ARGUMENT);
    CHECK(alipay_client_builder_set_http1_only(builder, true, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_pool_max_idle_per_host(builder, 0, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_pool_idle_timeout_ms(builder, 5000, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_rate_limit(builder, 50.0, 5, NULL) == ALIPAY_STATUS_OK);
    client = build(builder);

    s = stats_of(client);
    CHECK(s.calls == 0 && s.attempts == 0 && s.retries == 0 && s.successes == 0 && s.failed == 0 &&
          s.in_flight == 0);
    check_failures_add_up(s);

    CHECK_STATUS(send_one(client, "c-stats-0001", NULL, &error), ALIPAY_STATUS_OK, error);
    alipay_error_free(error);
    error = NULL;
    /* Invalid: no template id; nothing is sent. */
    {
        alipay_voucher_send_request *request = alipay_voucher_send_request_new();
        alipay_voucher_send_result *result = NULL;
        CHECK(alipay_voucher_send_request_set_out_biz_no(request, "c-stats-0002", NULL) == ALIPAY_STATUS_OK);
        CHECK(alipay_voucher_send_request_set_user_id(request, USER, NULL) == ALIPAY_STATUS_OK);
        CHECK(alipay_client_send_voucher(client, request, &result, NULL) == ALIPAY_STATUS_INVALID_REQUEST);
        CHECK(alipay_voucher_send_request_set_template_id(request, "TPL-DOES-NOT-EXIST", NULL) == ALIPAY_STATUS_OK);
        CHECK(alipay_client_send_voucher(client, request, &result, NULL) == ALIPAY_STATUS_GATEWAY);
        CHECK(result == NULL);
        alipay_voucher_send_request_free(request);
    }
    s = stats_of(client);
    CHECK(s.calls == 3);
    CHECK(s.attempts == 2);
    CHECK(s.retries == 0);
    CHECK(s.successes == 1);
    CHECK(s.failed == 2);
    CHECK(s.failed_invalid_request == 1);
    CHECK(s.failed_gateway == 1);
    CHECK(s.failed_transport == 0 && s.failed_timeout == 0 && s.failed_config == 0 && s.failed_other == 0);
    CHECK(s.in_flight == 0);
    check_failures_add_up(s);

    CHECK_STATUS(alipay_client_stats(NULL, &s, &error), ALIPAY_STATUS_NULL_ARGUMENT, error);
    CHECK_STR(alipay_error_field(error), "client");
    alipay_error_free(error);
    error = NULL;
    CHECK_STATUS(alipay_client_stats(client, NULL, &error), ALIPAY_STATUS_NULL_ARGUMENT, error);
    CHECK_STR(alipay_error_field(error), "stats_out");
    alipay_error_free(error);
    CHECK(!alipay_client_is_closed(client));
    CHECK(!alipay_client_is_closed(NULL));
    CHECK(alipay_client_close(NULL, 0, NULL) == ALIPAY_STATUS_NULL_ARGUMENT);
    print_stats(client);
    alipay_client_free(client);
}

struct call_job {
    alipay_client *client;
    char out_biz_no[64];
    alipay_status status;
    char message[512];
};

static void *send_in_thread(void *arg) {
    struct call_job *job = (struct call_job *)arg;
    alipay_error *error = NULL;
    job->status = send_one(job->client, job->out_biz_no, NULL, &error);
    if (error != NULL) {
        snprintf(job->message, sizeof job->message, "%s", alipay_error_message(error));
    }
    alipay_error_free(error);
    return NULL;
}

/* The harness delays the first voucher call by 1.5 s. Close while it is in flight: a short wait times out, a long
 * one returns once the call has finished (successfully: its attempt completes); new calls then fail. */
static void case_close(void) {
    alipay_client *client = client_from_env();
    struct call_job job;
    pthread_t thread;
    alipay_error *error = NULL;
    alipay_stats s;

    memset(&job, 0, sizeof job);
    job.client = client;
    snprintf(job.out_biz_no, sizeof job.out_biz_no, "%s", "c-close-0001");
    CHECK(pthread_create(&thread, NULL, send_in_thread, &job) == 0);
    wait_in_flight(client, 1);

    CHECK_STATUS(alipay_client_close(client, 50, &error), ALIPAY_STATUS_TIMEOUT, error);
    CHECK(error != NULL && strstr(alipay_error_message(error), "in flight") != NULL);
    alipay_error_free(error);
    error = NULL;
    CHECK(alipay_client_is_closed(client));
    CHECK_STATUS(alipay_client_close(client, 60000, &error), ALIPAY_STATUS_OK, error);
    alipay_error_free(error);
    error = NULL;
    CHECK(stats_of(client).in_flight == 0);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(job.status == ALIPAY_STATUS_OK);
    if (job.status != ALIPAY_STATUS_OK) {
        fprintf(stderr, "the call in flight: %s\n", job.message);
    }

    /* Closed: new calls fail at once, with nothing sent; closing again is harmless. */
    CHECK_STATUS(send_one(client, "c-close-0002", NULL, &error), ALIPAY_STATUS_CONFIG, error);
    CHECK(error != NULL && strstr(alipay_error_message(error), "closed") != NULL);
    alipay_error_free(error);
    CHECK(alipay_client_close(client, 0, NULL) == ALIPAY_STATUS_OK);
    s = stats_of(client);
    CHECK(s.calls == 2 && s.successes == 1 && s.failed_config == 1 && s.attempts == 1);
    print_stats(client);
    alipay_client_free(client);
}

#define SHUTDOWN_THREADS 4

/* The documented shutdown order: four threads call at once (the harness delays each answer), are joined, then the
 * client is closed and freed: every call completes and (under valgrind) nothing leaks. */
static void case_shutdown(void) {
    alipay_client *client = client_from_env();
    struct call_job jobs[SHUTDOWN_THREADS];
    pthread_t threads[SHUTDOWN_THREADS];
    alipay_error *error = NULL;
    int i;

    memset(jobs, 0, sizeof jobs);
    for (i = 0; i < SHUTDOWN_THREADS; i++) {
        jobs[i].client = client;
        snprintf(jobs[i].out_biz_no, sizeof jobs[i].out_biz_no, "c-free-%04d", i);
        CHECK(pthread_create(&threads[i], NULL, send_in_thread, &jobs[i]) == 0);
    }
    for (i = 0; i < SHUTDOWN_THREADS; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
        CHECK(jobs[i].status == ALIPAY_STATUS_OK);
        if (jobs[i].status != ALIPAY_STATUS_OK) {
            fprintf(stderr, "%s: %s\n", jobs[i].out_biz_no, jobs[i].message);
        }
    }
    CHECK_STATUS(alipay_client_close(client, 5000, &error), ALIPAY_STATUS_OK, error);
    alipay_error_free(error);
    CHECK(stats_of(client).in_flight == 0);
    alipay_client_free(client);
}

/* The index of the first finding about `topic` with `level` whose message contains `text`, or -1. */
static int find_message(const alipay_doctor_report *report, const char *topic, alipay_doctor_level level,
                        const char *text) {
    size_t i;
    for (i = 0; i < alipay_doctor_report_count(report); i++) {
        if (str_eq(alipay_doctor_report_topic(report, i), topic) && alipay_doctor_report_level(report, i) == level &&
            strstr(alipay_doctor_report_message(report, i), text) != NULL) {
            return (int)i;
        }
    }
    return -1;
}

/* The index of the first finding about `topic` with `level`, or -1. */
static int find_finding(const alipay_doctor_report *report, const char *topic, alipay_doctor_level level) {
    return find_message(report, topic, level, "");
}

/* The doctor on a deliberately wrong configuration (every mistake reported at once, none of it a failure), on a
 * right one, and on a built client (with the clock skew to the sandbox). */
static void case_doctor(void) {
    char *own_public = read_file(require_env("ALIPAY_TEST_APP_PUBLIC_KEY_FILE"));
    char *wrong_public = read_file(require_env("ALIPAY_TEST_WRONG_PUBLIC_KEY_FILE"));
    char *private_key = read_file(require_env("ALIPAY_APP_PRIVATE_KEY_FILE"));
    alipay_client_builder *builder = builder_from_env();
    alipay_doctor_report *report = NULL;
    alipay_client *client = NULL;
    alipay_error *error = NULL;
    const char *text;
    char secret_line[65];

    /* The app's own public key where the Alipay key belongs, another key as the app public key, a bad AES key. */
    CHECK(alipay_client_builder_set_alipay_public_key(builder, own_public, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_app_public_key(builder, wrong_public, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_aes_key(builder, "this is not an AES key", NULL) == ALIPAY_STATUS_OK);
    CHECK_STATUS(alipay_client_builder_doctor(builder, &report, &error), ALIPAY_STATUS_OK, error);
    CHECK(report != NULL);
    CHECK(!alipay_doctor_report_is_healthy(report));
    CHECK(find_finding(report, "private_key", ALIPAY_DOCTOR_LEVEL_OK) >= 0);
    CHECK(find_message(report, "alipay_public_key", ALIPAY_DOCTOR_LEVEL_PROBLEM, "own public key") >= 0);
    CHECK(find_message(report, "app_public_key", ALIPAY_DOCTOR_LEVEL_PROBLEM, "does not match") >= 0);
    CHECK(find_finding(report, "aes_key", ALIPAY_DOCTOR_LEVEL_PROBLEM) >= 0);
    CHECK(find_finding(report, "gateway", ALIPAY_DOCTOR_LEVEL_OK) >= 0);
    text = alipay_doctor_report_text(report);
    CHECK(text != NULL && strstr(text, "3 problem(s)") != NULL);
    CHECK(text != NULL && strstr(text, "problem  alipay_public_key: ") != NULL);
    /* No key material: a line of the private key's base64 never appears. */
    memcpy(secret_line, strchr(private_key, '\n') + 1, 64);
    secret_line[64] = '\0';
    CHECK(text != NULL && strstr(text, secret_line) == NULL);
    printf("doctor_wrong:\n%s\n", text);
    /* Out of range and NULL. */
    CHECK(alipay_doctor_report_level(report, alipay_doctor_report_count(report)) == ALIPAY_DOCTOR_LEVEL_NONE);
    CHECK(alipay_doctor_report_topic(report, 999) == NULL);
    CHECK(alipay_doctor_report_message(report, 999) == NULL);
    CHECK(alipay_doctor_report_count(NULL) == 0);
    CHECK(!alipay_doctor_report_is_healthy(NULL));
    CHECK(alipay_doctor_report_text(NULL) == NULL);
    CHECK(alipay_doctor_report_level(NULL, 0) == ALIPAY_DOCTOR_LEVEL_NONE);
    alipay_doctor_report_free(report);
    alipay_doctor_report_free(NULL);
    report = NULL;
    /* The same mistakes make build fail, at the first. */
    CHECK_STATUS(alipay_client_builder_build(builder, &client, &error), ALIPAY_STATUS_CONFIG, error);
    CHECK(client == NULL);
    alipay_error_free(error);
    error = NULL;
    alipay_client_builder_free(builder);

    /* A right configuration, with the matching app public key: healthy, and the match reported. */
    builder = builder_from_env();
    CHECK(alipay_client_builder_set_app_public_key(builder, own_public, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_doctor(builder, &report, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_doctor_report_is_healthy(report));
    CHECK(find_message(report, "app_public_key", ALIPAY_DOCTOR_LEVEL_OK, "matches private_key") >= 0);
    CHECK(find_message(report, "alipay_public_key", ALIPAY_DOCTOR_LEVEL_OK, "not the app's own") >= 0);
    CHECK(strstr(alipay_doctor_report_text(report), "0 problem(s)") != NULL);
    alipay_doctor_report_free(report);
    report = NULL;
    CHECK(alipay_client_builder_doctor(NULL, &report, NULL) == ALIPAY_STATUS_NULL_ARGUMENT);
    CHECK(alipay_client_builder_doctor(builder, NULL, NULL) == ALIPAY_STATUS_NULL_ARGUMENT);
    CHECK(report == NULL);
    client = build(builder);

    /* The built client adds the clock skew to the gateway. */
    CHECK_STATUS(alipay_client_check_config(client, &report, &error), ALIPAY_STATUS_OK, error);
    CHECK(alipay_doctor_report_is_healthy(report));
    CHECK(find_message(report, "clock", ALIPAY_DOCTOR_LEVEL_OK, "the gateway") >= 0);
    CHECK(find_message(report, "app_public_key", ALIPAY_DOCTOR_LEVEL_OK, "matches private_key") >= 0);
    printf("doctor_client:\n%s\n", alipay_doctor_report_text(report));
    alipay_doctor_report_free(report);
    report = NULL;
    CHECK(alipay_client_check_config(NULL, &report, NULL) == ALIPAY_STATUS_NULL_ARGUMENT);
    CHECK(alipay_client_check_config(client, NULL, NULL) == ALIPAY_STATUS_NULL_ARGUMENT);
    alipay_client_free(client);
    free(own_public);
    free(wrong_public);
    free(private_key);
}

/* isv.invalid-signature explained: a private key the gateway does not know (same strings, a key problem), and a
 * request rewritten in transit (the parameter named). */
static void case_explainer(void) {
    alipay_client_builder *builder = builder_from_env();
    alipay_client *client;
    alipay_error *error = NULL;
    const char *ours, *theirs;

    CHECK(alipay_client_builder_set_private_key_file(builder, require_env("ALIPAY_TEST_STRANGER_PRIVATE_KEY_FILE"),
                                                     NULL) == ALIPAY_STATUS_OK);
    client = build(builder);
    CHECK_STATUS(send_one(client, "c-explain-0", NULL, &error), ALIPAY_STATUS_GATEWAY, error);
    CHECK_STR(alipay_error_sub_code(error), "isv.invalid-signature");
    ours = alipay_error_our_sign_content(error);
    theirs = alipay_error_gateway_sign_content(error);
    CHECK(ours != NULL && strstr(ours, "c-explain-0") != NULL && strstr(ours, "method=") != NULL);
    CHECK_STR(theirs, ours);
    CHECK(alipay_error_first_differing_parameter(error) == NULL);
    CHECK(alipay_error_likely_cause(error) != NULL &&
          strstr(alipay_error_likely_cause(error), "private key does not match") != NULL);
    CHECK(!alipay_error_outcome_unknown(error));
    printf("cause_key=%s\n", alipay_error_likely_cause(error));
    alipay_error_free(error);
    error = NULL;
    alipay_client_free(client);

    builder = builder_from_env();
    CHECK(alipay_client_builder_set_gateway(builder, require_env("ALIPAY_TEST_TAMPER_URL"), NULL) == ALIPAY_STATUS_OK);
    client = build(builder);
    CHECK_STATUS(send_one(client, "c-explain-1", NULL, &error), ALIPAY_STATUS_GATEWAY, error);
    CHECK_STR(alipay_error_sub_code(error), "isv.invalid-signature");
    CHECK_STR(alipay_error_first_differing_parameter(error), "biz_content");
    ours = alipay_error_our_sign_content(error);
    theirs = alipay_error_gateway_sign_content(error);
    CHECK(ours != NULL && strstr(ours, "c-explain-1") != NULL);
    CHECK(theirs != NULL && strstr(theirs, "c-explain-2") != NULL);
    CHECK(alipay_error_likely_cause(error) != NULL &&
          strstr(alipay_error_likely_cause(error), "tampered or rewritten") != NULL);
    printf("cause_tamper=%s\n", alipay_error_likely_cause(error));
    alipay_error_free(error);
    CHECK(alipay_error_our_sign_content(NULL) == NULL && alipay_error_likely_cause(NULL) == NULL);
    alipay_client_free(client);
}

#define ID_SIZE 64

struct eo_job {
    alipay_client *client;
    int thread;
    int calls;
    char (*ids)[ID_SIZE];
    int failures;
};

static void *eo_thread(void *arg) {
    struct eo_job *job = (struct eo_job *)arg;
    int i;
    for (i = 0; i < job->calls; i++) {
        int n = job->thread * job->calls + i;
        char out_biz_no[64];
        alipay_voucher_send_request *request;
        alipay_voucher_send_result *result = NULL;
        alipay_error *error = NULL;
        snprintf(out_biz_no, sizeof out_biz_no, "c-eo-%05d", n);
        request = voucher_request(out_biz_no);
        if (alipay_client_send_voucher(job->client, request, &result, &error) == ALIPAY_STATUS_OK) {
            snprintf(job->ids[n], ID_SIZE, "%s", alipay_voucher_send_result_voucher_id(result));
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

/* THREADS × CALLS vouchers under the harness's 20% mixed faults, on a patient client: every call succeeds. */
static void case_exactly_once(int threads, int calls) {
    alipay_client_builder *builder = builder_from_env();
    alipay_client *client;
    struct eo_job *jobs = (struct eo_job *)calloc((size_t)threads, sizeof *jobs);
    pthread_t *handles = (pthread_t *)calloc((size_t)threads, sizeof *handles);
    char (*ids)[ID_SIZE] = (char (*)[ID_SIZE])calloc((size_t)(threads * calls), ID_SIZE);
    alipay_stats s;
    int t, i;

    CHECK(jobs != NULL && handles != NULL && ids != NULL);
    CHECK(alipay_client_builder_set_attempt_timeout_ms(builder, 1500, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_retry_policy(builder, 12, 5, 40, NULL) == ALIPAY_STATUS_OK);
    client = build(builder);
    for (t = 0; t < threads; t++) {
        jobs[t].client = client;
        jobs[t].thread = t;
        jobs[t].calls = calls;
        jobs[t].ids = ids;
        CHECK(pthread_create(&handles[t], NULL, eo_thread, &jobs[t]) == 0);
    }
    for (t = 0; t < threads; t++) {
        CHECK(pthread_join(handles[t], NULL) == 0);
        CHECK(jobs[t].failures == 0);
    }
    for (i = 0; i < threads * calls; i++) {
        CHECK(ids[i][0] != '\0');
        printf("voucher c-eo-%05d %s\n", i, ids[i]);
    }
    s = stats_of(client);
    CHECK(s.calls == (uint64_t)(threads * calls));
    CHECK(s.successes == (uint64_t)(threads * calls));
    CHECK(s.failed == 0);
    CHECK(s.attempts == s.calls + s.retries);
    print_stats(client);
    alipay_client_free(client);
    free(jobs);
    free(handles);
    free(ids);
}

/* One client, two merchants: each call names its merchant's app_auth_token in its options; a bad token is
 * refused by the setter, naming the field. The harness checks the sandbox saw each token. */
static void case_merchants(void) {
    alipay_client *client = build(builder_from_env());
    alipay_call_options *merchant_a = alipay_call_options_new();
    alipay_call_options *merchant_b = alipay_call_options_new();
    alipay_error *error = NULL;
    CHECK(merchant_a != NULL && merchant_b != NULL);
    CHECK_STATUS(alipay_call_options_set_app_auth_token(merchant_a, "202405BBmerchantA00000001", &error),
                 ALIPAY_STATUS_OK, error);
    CHECK_STATUS(alipay_call_options_set_app_auth_token(merchant_b, "202405BBmerchantB00000002", &error),
                 ALIPAY_STATUS_OK, error);

    CHECK_STATUS(alipay_call_options_set_app_auth_token(merchant_b, "202405BB\nmerchantB", &error),
                 ALIPAY_STATUS_INVALID_REQUEST, error);
    CHECK_STR(alipay_error_field(error), "app_auth_token");
    CHECK(strstr(alipay_error_message(error), "merchantB") == NULL);
    alipay_error_free(error);
    error = NULL;
    CHECK(alipay_call_options_set_app_auth_token(NULL, "x", NULL) == ALIPAY_STATUS_NULL_ARGUMENT);

    CHECK_STATUS(send_one(client, "c-merchant-a-1", merchant_a, &error), ALIPAY_STATUS_OK, error);
    CHECK_STATUS(send_one(client, "c-merchant-a-2", merchant_a, &error), ALIPAY_STATUS_OK, error);
    CHECK_STATUS(send_one(client, "c-merchant-b-1", merchant_b, &error), ALIPAY_STATUS_OK, error);
    /* No options: the client's own (here: none). */
    CHECK_STATUS(send_one(client, "c-merchant-none-1", NULL, &error), ALIPAY_STATUS_OK, error);
    alipay_error_free(error);

    alipay_call_options_free(merchant_a);
    alipay_call_options_free(merchant_b);
    alipay_client_free(client);
}

/* A send for merchant A whose answer is lost (the harness arms error_after_effect), settled with the same options:
 * the resend goes for merchant A too, and finds the voucher the first call created. */
static void case_merchant_settle(void) {
    alipay_client *client = build(builder_from_env());
    alipay_call_options *merchant_a = alipay_call_options_new();
    alipay_voucher_send_request *request = voucher_request("c-merchant-settle-1");
    alipay_voucher_send_result *result = NULL;
    alipay_voucher_settlement *settlement = NULL;
    alipay_error *error = NULL;
    CHECK(alipay_call_options_set_app_auth_token(merchant_a, "202405BBmerchantA00000001", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_call_options_set_retry_policy(merchant_a, 1, 0, 0, NULL) == ALIPAY_STATUS_OK);

    CHECK_STATUS(alipay_client_send_voucher_with_options(client, request, merchant_a, &result, &error),
                 ALIPAY_STATUS_GATEWAY, error);
    CHECK(alipay_error_outcome_unknown(error));
    CHECK_STATUS(alipay_client_settle_voucher_with_options(client, request, error, merchant_a, &settlement, NULL),
                 ALIPAY_STATUS_OK, NULL);
    CHECK(alipay_voucher_settlement_status(settlement) == ALIPAY_SETTLEMENT_STATUS_SENT);
    if (alipay_voucher_settlement_result(settlement) != NULL) {
        printf("voucher c-merchant-settle-1 %s\n",
               alipay_voucher_send_result_voucher_id(alipay_voucher_settlement_result(settlement)));
    }
    alipay_voucher_settlement_free(settlement);
    alipay_error_free(error);
    alipay_voucher_send_request_free(request);
    alipay_call_options_free(merchant_a);
    alipay_client_free(client);
}

int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "";
    if (strcmp(name, "retry_once") == 0) {
        case_retry_once();
    } else if (strcmp(name, "no_retry") == 0) {
        case_no_retry();
    } else if (strcmp(name, "call_options") == 0) {
        case_call_options();
    } else if (strcmp(name, "merchants") == 0) {
        case_merchants();
    } else if (strcmp(name, "merchant_settle") == 0) {
        case_merchant_settle();
    } else if (strcmp(name, "stats") == 0) {
        case_stats();
    } else if (strcmp(name, "close") == 0) {
        case_close();
    } else if (strcmp(name, "limits") == 0) {
        case_limits();
    } else if (strcmp(name, "shutdown") == 0) {
        case_shutdown();
    } else if (strcmp(name, "doctor") == 0) {
        case_doctor();
    } else if (strcmp(name, "explainer") == 0) {
        case_explainer();
    } else if (strcmp(name, "exactly_once") == 0 && argc == 4 && atoi(argv[2]) > 0 && atoi(argv[3]) > 0) {
        case_exactly_once(atoi(argv[2]), atoi(argv[3]));
    } else {
        fprintf(stderr, "usage: %s retry_once | no_retry | call_options | merchants | merchant_settle | stats | close | shutdown | "
                        "doctor | explainer | exactly_once THREADS CALLS\n",
                argv[0]);
        return 2;
    }
    return finish(name);
}
