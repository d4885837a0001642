/*
 * Every status a call can return, one case per run (the harness arms the sandbox's faults before each):
 *
 *   test_errors boundary | config | invalid_request | gateway | transport_refused | transport_dropped |
 *               timeout | http | decode | signature | retryable | auto_retry | hostile
 *
 * Extra environment: ALIPAY_TEST_DEAD_URL (a loopback port nobody listens on), ALIPAY_TEST_DECODE_URL (a server
 * answering JSON that is no gateway envelope), ALIPAY_TEST_WRONG_PUBLIC_KEY_FILE (a key that did not sign),
 * ALIPAY_TEST_HUGE_URL (a server announcing a 2 MiB body), ALIPAY_TEST_REDIRECT_URL (a server answering 307 to
 * http://evil.example/gateway.do).
 */
#include "support.h"

static const char *USER = "2088000000000001";

/* A voucher request for `template_id` to the test user. */
static alipay_voucher_send_request *voucher_request(const char *template_id, const char *out_biz_no) {
    alipay_voucher_send_request *request = alipay_voucher_send_request_new();
    CHECK(alipay_voucher_send_request_set_template_id(request, template_id, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_voucher_send_request_set_out_biz_no(request, out_biz_no, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_voucher_send_request_set_user_id(request, USER, NULL) == ALIPAY_STATUS_OK);
    return request;
}

/* Sends a voucher expecting `expected`; returns the error (free it) and checks the output stayed untouched. */
static alipay_error *send_expecting(alipay_client *client, alipay_voucher_send_request *request,
                                    alipay_status expected) {
    alipay_voucher_send_result *sentinel = (alipay_voucher_send_result *)&support_checks;
    alipay_voucher_send_result *result = sentinel;
    alipay_error *error = NULL;
    CHECK_STATUS(alipay_client_send_voucher(client, request, &result, &error), expected, error);
    CHECK(result == sentinel);
    CHECK(error != NULL);
    CHECK(alipay_error_status(error) == expected);
    CHECK(alipay_error_message(error) != NULL && alipay_error_message(error)[0] != '\0');
    return error;
}

/* A client from the environment making a single attempt per call (so each armed fault reaches C), with one
 * option replaced. */
static alipay_client *client_with(const char *gateway, const char *public_key_file, uint64_t timeout_ms) {
    alipay_client_builder *builder = builder_from_env();
    alipay_client *client = NULL;
    alipay_error *error = NULL;
    CHECK(alipay_client_builder_set_max_attempts(builder, 1, NULL) == ALIPAY_STATUS_OK);
    if (gateway != NULL) {
        CHECK(alipay_client_builder_set_gateway(builder, gateway, NULL) == ALIPAY_STATUS_OK);
    }
    if (public_key_file != NULL) {
        CHECK(alipay_client_builder_set_alipay_public_key_file(builder, public_key_file, NULL) == ALIPAY_STATUS_OK);
    }
    if (timeout_ms != 0) {
        CHECK(alipay_client_builder_set_timeout_ms(builder, timeout_ms, NULL) == ALIPAY_STATUS_OK);
    }
    CHECK_STATUS(alipay_client_builder_build(builder, &client, &error), ALIPAY_STATUS_OK, error);
    alipay_client_builder_free(builder);
    if (client == NULL) {
        exit(finish("client_with"));
    }
    return client;
}

/* NULL and non-UTF-8 arguments: a status and an error naming the argument, never a crash; outputs untouched. */
static void case_boundary(alipay_client *client) {
    const char *bad_utf8 = "\xff\xfe-not-utf8";
    alipay_voucher_send_request *request = voucher_request("TPL-FIXED-10", "c-boundary-0001");
    alipay_voucher_send_result *result = NULL;
    alipay_response *response = NULL;
    alipay_client *built = NULL;
    alipay_error *error = NULL;

    CHECK_STATUS(alipay_client_send_voucher(NULL, request, &result, &error), ALIPAY_STATUS_NULL_ARGUMENT, error);
    CHECK_STR(alipay_error_field(error), "client");
    CHECK(!alipay_error_is_retryable(error));
    alipay_error_free(error);
    error = NULL;
    CHECK_STATUS(alipay_client_send_voucher(client, NULL, &result, &error), ALIPAY_STATUS_NULL_ARGUMENT, error);
    CHECK_STR(alipay_error_field(error), "request");
    alipay_error_free(error);
    error = NULL;
    CHECK_STATUS(alipay_client_send_voucher(client, request, NULL, &error), ALIPAY_STATUS_NULL_ARGUMENT, error);
    CHECK_STR(alipay_error_field(error), "result_out");
    alipay_error_free(error);
    CHECK(result == NULL);

    /* error_out itself is optional. */
    CHECK(alipay_client_send_voucher(NULL, NULL, NULL, NULL) == ALIPAY_STATUS_NULL_ARGUMENT);
    CHECK(alipay_client_receive_invite_award(NULL, NULL, NULL, NULL) == ALIPAY_STATUS_NULL_ARGUMENT);
    CHECK(alipay_client_update_points(NULL, NULL, NULL, NULL) == ALIPAY_STATUS_NULL_ARGUMENT);
    CHECK(alipay_client_execute(client, NULL, "{}", &response, NULL) == ALIPAY_STATUS_NULL_ARGUMENT);
    CHECK(alipay_client_execute(client, "alipay.marketing.voucher.send", NULL, &response, NULL) ==
          ALIPAY_STATUS_NULL_ARGUMENT);
    CHECK(alipay_client_builder_build(NULL, &built, NULL) == ALIPAY_STATUS_NULL_ARGUMENT);
    CHECK(built == NULL && response == NULL);

    /* Setters: NULL handle, NULL value, invalid UTF-8. The request keeps its earlier value. */
    error = NULL;
    CHECK_STATUS(alipay_voucher_send_request_set_memo(NULL, "memo", &error), ALIPAY_STATUS_NULL_ARGUMENT, error);
    CHECK_STR(alipay_error_field(error), "request");
    alipay_error_free(error);
    error = NULL;
    CHECK_STATUS(alipay_voucher_send_request_set_memo(request, NULL, &error), ALIPAY_STATUS_NULL_ARGUMENT, error);
    CHECK_STR(alipay_error_field(error), "memo");
    alipay_error_free(error);
    error = NULL;
    CHECK_STATUS(alipay_voucher_send_request_set_user_id(request, bad_utf8, &error), ALIPAY_STATUS_INVALID_UTF8,
                 error);
    CHECK_STR(alipay_error_field(error), "user_id");
    alipay_error_free(error);
    error = NULL;
    CHECK_STATUS(alipay_client_execute(client, bad_utf8, "{}", &response, &error), ALIPAY_STATUS_INVALID_UTF8, error);
    CHECK_STR(alipay_error_field(error), "method");
    alipay_error_free(error);
    CHECK(alipay_client_builder_set_app_id(NULL, "2021000000000001", NULL) == ALIPAY_STATUS_NULL_ARGUMENT);
    CHECK(alipay_invite_award_request_set_mobile(NULL, "13800000001", NULL) == ALIPAY_STATUS_NULL_ARGUMENT);
    CHECK(alipay_points_update_request_set_trans_amount(NULL, 1, NULL) == ALIPAY_STATUS_NULL_ARGUMENT);
    {
        alipay_points_update_request *points = alipay_points_update_request_new();
        CHECK(alipay_points_update_request_set_req_id(points, NULL, NULL) == ALIPAY_STATUS_NULL_ARGUMENT);
        alipay_points_update_request_free(points);
    }

    /* The request still holds the valid user id and sends. */
    CHECK_STATUS(alipay_client_send_voucher(client, request, &result, NULL), ALIPAY_STATUS_OK, NULL);
    CHECK(result != NULL);
    alipay_voucher_send_result_free(result);
    alipay_voucher_send_request_free(request);

    /* Frees and accessors accept NULL. */
    alipay_client_free(NULL);
    alipay_client_builder_free(NULL);
    alipay_invite_award_request_free(NULL);
    alipay_voucher_send_request_free(NULL);
    alipay_points_update_request_free(NULL);
    alipay_invite_award_result_free(NULL);
    alipay_voucher_send_result_free(NULL);
    alipay_points_update_result_free(NULL);
    alipay_response_free(NULL);
    alipay_error_free(NULL);
    CHECK(alipay_voucher_send_result_voucher_id(NULL) == NULL);
    CHECK(alipay_invite_award_result_biz_result_code(NULL) == NULL);
    CHECK(alipay_invite_award_result_alipay_account_no_count(NULL) == 0);
    CHECK(alipay_points_update_result_point_log_no(NULL) == NULL);
    CHECK(alipay_response_body(NULL) == NULL);
    CHECK(alipay_error_message(NULL) == NULL);
    CHECK(alipay_error_status(NULL) == ALIPAY_STATUS_NULL_ARGUMENT);
    CHECK(!alipay_error_is_retryable(NULL));
    CHECK_STR(alipay_status_name(ALIPAY_STATUS_GATEWAY), "ALIPAY_STATUS_GATEWAY");
    CHECK_STR(alipay_status_name(77777), "ALIPAY_STATUS_UNKNOWN");
}

/* Configuration mistakes come back from build as ALIPAY_STATUS_CONFIG with a message that says what to do. */
static void case_config(void) {
    alipay_client_builder *builder = alipay_client_builder_new();
    alipay_client *client = NULL;
    alipay_error *error = NULL;
    char *private_pem = read_file(require_env("ALIPAY_APP_PRIVATE_KEY_FILE"));
    char *alipay_pem = read_file(require_env("ALIPAY_PUBLIC_KEY_FILE"));
    char *own_public_pem = read_file(require_env("ALIPAY_TEST_APP_PUBLIC_KEY_FILE"));

    /* Nothing set: app_id is the first thing missing. */
    CHECK_STATUS(alipay_client_builder_build(builder, &client, &error), ALIPAY_STATUS_CONFIG, error);
    CHECK_STR(alipay_error_field(error), "app_id");
    CHECK(!alipay_error_is_retryable(error));
    alipay_error_free(error);
    error = NULL;

    CHECK(alipay_client_builder_set_app_id(builder, require_env("ALIPAY_APP_ID"), NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_gateway(builder, require_env("ALIPAY_GATEWAY_URL"), NULL) == ALIPAY_STATUS_OK);

    /* A public key where the private key belongs. */
    CHECK(alipay_client_builder_set_private_key(builder, alipay_pem, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_alipay_public_key(builder, alipay_pem, NULL) == ALIPAY_STATUS_OK);
    CHECK_STATUS(alipay_client_builder_build(builder, &client, &error), ALIPAY_STATUS_CONFIG, error);
    CHECK(error != NULL && strstr(alipay_error_message(error), "private_key") != NULL);
    CHECK(error != NULL && strstr(alipay_error_message(error), "BEGIN") == NULL); /* no key material */
    alipay_error_free(error);
    error = NULL;

    /* The app's own public key configured as the Alipay public key. */
    CHECK(alipay_client_builder_set_private_key(builder, private_pem, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_alipay_public_key(builder, own_public_pem, NULL) == ALIPAY_STATUS_OK);
    CHECK_STATUS(alipay_client_builder_build(builder, &client, &error), ALIPAY_STATUS_CONFIG, error);
    CHECK_STR(alipay_error_field(error), "alipay_public_key");
    alipay_error_free(error);
    error = NULL;

    /* An unknown sign type is refused when set; a zero deadline and a missing key file at build. */
    CHECK(alipay_client_builder_set_alipay_public_key(builder, alipay_pem, NULL) == ALIPAY_STATUS_OK);
    CHECK_STATUS(alipay_client_builder_set_sign_type(builder, "MD5", &error), ALIPAY_STATUS_CONFIG, error);
    CHECK_STR(alipay_error_field(error), "sign_type");
    alipay_error_free(error);
    error = NULL;
    CHECK(alipay_client_builder_set_timeout_ms(builder, 0, NULL) == ALIPAY_STATUS_OK);
    CHECK_STATUS(alipay_client_builder_build(builder, &client, &error), ALIPAY_STATUS_CONFIG, error);
    alipay_error_free(error);
    error = NULL;
    CHECK(alipay_client_builder_set_timeout_ms(builder, 5000, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_private_key_file(builder, "no/such/key.pem", NULL) == ALIPAY_STATUS_OK);
    CHECK_STATUS(alipay_client_builder_build(builder, &client, &error), ALIPAY_STATUS_CONFIG, error);
    CHECK(error != NULL && strstr(alipay_error_message(error), "no/such/key.pem") != NULL);
    alipay_error_free(error);
    error = NULL;
    CHECK(client == NULL);

    /* Plain http to a non-loopback host is refused unless allowed. */
    CHECK(alipay_client_builder_set_private_key(builder, private_pem, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_gateway(builder, "http://gateway.example/gateway.do", NULL) == ALIPAY_STATUS_OK);
    CHECK_STATUS(alipay_client_builder_build(builder, &client, &error), ALIPAY_STATUS_CONFIG, error);
    CHECK_STR(alipay_error_field(error), "gateway");
    alipay_error_free(error);
    error = NULL;

    /* The other options: each mistake is refused at build and names its option (a fresh builder per mistake,
     * since a builder keeps what it was given). */
    {
        alipay_client_builder *other = builder_from_env();
        CHECK_STATUS(alipay_client_builder_set_charset(other, "latin-1", &error), ALIPAY_STATUS_CONFIG, error);
        CHECK_STR(alipay_error_field(error), "charset");
        alipay_error_free(error);
        error = NULL;
        CHECK(alipay_client_builder_set_rate_limit(other, 0.0, 10, NULL) == ALIPAY_STATUS_OK);
        CHECK_STATUS(alipay_client_builder_build(other, &client, &error), ALIPAY_STATUS_CONFIG, error);
        CHECK_STR(alipay_error_field(error), "rate_limit");
        alipay_error_free(error);
        error = NULL;
        CHECK(alipay_client_builder_set_rate_limit(other, 200.0, 20, NULL) == ALIPAY_STATUS_OK);
        CHECK(alipay_client_builder_set_attempt_timeout_ms(other, 0, NULL) == ALIPAY_STATUS_OK);
        CHECK_STATUS(alipay_client_builder_build(other, &client, &error), ALIPAY_STATUS_CONFIG, error);
        CHECK_STR(alipay_error_field(error), "attempt_timeout");
        alipay_error_free(error);
        error = NULL;
        CHECK(alipay_client_builder_set_attempt_timeout_ms(other, 4000, NULL) == ALIPAY_STATUS_OK);
        CHECK(alipay_client_builder_set_max_attempts(other, 2, NULL) == ALIPAY_STATUS_OK);
        CHECK(alipay_client_builder_set_no_proxy(other, NULL) == ALIPAY_STATUS_OK);
        CHECK(alipay_client_builder_set_charset(other, "GB18030", NULL) == ALIPAY_STATUS_OK);
        CHECK_STATUS(alipay_client_builder_build(other, &client, &error), ALIPAY_STATUS_OK, error);
        alipay_client_free(client);
        client = NULL;
        CHECK(alipay_client_builder_add_root_certificates_file(other, "no/such/ca.pem", NULL) == ALIPAY_STATUS_OK);
        CHECK_STATUS(alipay_client_builder_build(other, &client, &error), ALIPAY_STATUS_CONFIG, error);
        CHECK(error != NULL && strstr(alipay_error_message(error), "no/such/ca.pem") != NULL);
        alipay_error_free(error);
        error = NULL;
        alipay_client_builder_free(other);
    }
    CHECK(client == NULL);

    /* Fixed, the same builder builds, with the private key given as text and RSA2 spelled out. */
    CHECK(alipay_client_builder_set_gateway(builder, require_env("ALIPAY_GATEWAY_URL"), NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_sign_type(builder, "rsa2", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_connect_timeout_ms(builder, 2000, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_allow_insecure_http(builder, false, NULL) == ALIPAY_STATUS_OK);
    CHECK_STATUS(alipay_client_builder_build(builder, &client, &error), ALIPAY_STATUS_OK, error);
    CHECK(client != NULL);
    alipay_client_free(client);
    alipay_client_builder_free(builder);
    free(private_pem);
    free(alipay_pem);
    free(own_public_pem);
}

/* A field that breaks a documented rule: nothing is sent, the error names the field. */
static void case_invalid_request(alipay_client *client) {
    alipay_invite_award_request *invite = alipay_invite_award_request_new();
    alipay_invite_award_result *invite_result = NULL;
    alipay_points_update_request *points = alipay_points_update_request_new();
    alipay_points_update_result *points_result = NULL;
    alipay_voucher_send_request *voucher = voucher_request("TPL-FIXED-10", "c-invalid-0001");
    alipay_error *error = NULL;

    CHECK(alipay_invite_award_request_set_mobile(invite, "+8613800000001", NULL) == ALIPAY_STATUS_OK);
    CHECK_STATUS(alipay_client_receive_invite_award(client, invite, &invite_result, &error),
                 ALIPAY_STATUS_INVALID_REQUEST, error);
    CHECK_STR(alipay_error_field(error), "mobile");
    CHECK(!alipay_error_request_may_have_been_sent(error));
    CHECK(!alipay_error_is_retryable(error));
    CHECK(alipay_error_gateway_code(error) == NULL);
    CHECK(invite_result == NULL);
    alipay_error_free(error);
    error = NULL;

    CHECK_STATUS(alipay_points_update_request_set_trans_type(points, "REFUND", &error), ALIPAY_STATUS_INVALID_REQUEST,
                 error);
    CHECK_STR(alipay_error_field(error), "trans_type");
    alipay_error_free(error);
    error = NULL;
    CHECK(alipay_points_update_request_set_req_id(points, "c-invalid-points", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_points_update_request_set_user_id(points, USER, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_points_update_request_set_activity_account(points, "STAMP-CARD-01", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_points_update_request_set_trans_type(points, "FREEZE", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_points_update_request_set_trans_amount(points, 5, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_points_update_request_set_biz_no(points, "not-for-freeze", NULL) == ALIPAY_STATUS_OK);
    CHECK_STATUS(alipay_client_update_points(client, points, &points_result, &error), ALIPAY_STATUS_INVALID_REQUEST,
                 error);
    CHECK_STR(alipay_error_field(error), "biz_no");
    alipay_error_free(error);
    error = NULL;

    CHECK(alipay_voucher_send_request_set_amount(voucher, "-1", NULL) == ALIPAY_STATUS_OK);
    error = send_expecting(client, voucher, ALIPAY_STATUS_INVALID_REQUEST);
    CHECK_STR(alipay_error_field(error), "amount");
    alipay_error_free(error);
    error = NULL;
    {
        /* A call's deadline is set through its options only; 0 is a mistake, not "no deadline". */
        alipay_call_options *options = alipay_call_options_new();
        CHECK_STATUS(alipay_call_options_set_timeout_ms(options, 0, &error), ALIPAY_STATUS_INVALID_REQUEST, error);
        CHECK_STR(alipay_error_field(error), "timeout_ms");
        alipay_error_free(error);
        error = NULL;
        alipay_call_options_free(options);
    }

    alipay_invite_award_request_free(invite);
    alipay_points_update_request_free(points);
    alipay_voucher_send_request_free(voucher);
}

/* The gateway's business errors, with their codes; none is retryable. */
static void case_gateway(alipay_client *client) {
    alipay_voucher_send_request *request = voucher_request("TPL-EXPIRED", "c-gateway-0001");
    alipay_error *error = send_expecting(client, request, ALIPAY_STATUS_GATEWAY);
    CHECK_STR(alipay_error_gateway_code(error), "40004");
    CHECK(alipay_error_gateway_msg(error) != NULL);
    CHECK_STR(alipay_error_sub_code(error), "TEMPLATE_EXPIRED");
    CHECK(alipay_error_sub_msg(error) != NULL);
    CHECK(!alipay_error_is_retryable(error));
    CHECK(alipay_error_request_may_have_been_sent(error));
    printf("trace_id=%s\n", alipay_error_trace_id(error) ? alipay_error_trace_id(error) : "");
    alipay_error_free(error);
    alipay_voucher_send_request_free(request);

    request = voucher_request("TPL-DOES-NOT-EXIST", "c-gateway-0002");
    error = send_expecting(client, request, ALIPAY_STATUS_GATEWAY);
    CHECK_STR(alipay_error_sub_code(error), "TEMPLATE_NOT_EXIST");
    alipay_error_free(error);
    alipay_voucher_send_request_free(request);

    request = voucher_request("TPL-FIXED-10", "c-gateway-0003");
    CHECK(alipay_voucher_send_request_set_user_id(request, "2088000000000002", NULL) == ALIPAY_STATUS_OK);
    error = send_expecting(client, request, ALIPAY_STATUS_GATEWAY);
    CHECK_STR(alipay_error_sub_code(error), "USER_STATUS_ERROR");
    alipay_error_free(error);
    alipay_voucher_send_request_free(request);
}

/* The harness armed `20000 isp.unknow-error` and then `40005` throttling: both retryable with the same key. */
static void case_retryable(alipay_client *client) {
    alipay_voucher_send_request *request = voucher_request("TPL-FIXED-10", "c-retry-0001");
    alipay_voucher_send_result *result = NULL;
    alipay_error *error = send_expecting(client, request, ALIPAY_STATUS_GATEWAY);
    CHECK_STR(alipay_error_gateway_code(error), "20000");
    CHECK(alipay_error_is_retryable(error));
    CHECK(alipay_error_outcome_unknown(error));
    CHECK(alipay_error_attempts(error) == 1);
    CHECK_STR(alipay_error_idempotency_key(error), "c-retry-0001");
    alipay_error_free(error);
    error = send_expecting(client, request, ALIPAY_STATUS_GATEWAY);
    CHECK_STR(alipay_error_gateway_code(error), "40005");
    CHECK(alipay_error_is_retryable(error));
    alipay_error_free(error);
    error = NULL;
    /* The retry with the same out_biz_no goes through. */
    CHECK_STATUS(alipay_client_send_voucher(client, request, &result, &error), ALIPAY_STATUS_OK, error);
    printf("voucher c-retry-0001=%s\n", alipay_voucher_send_result_voucher_id(result));
    alipay_voucher_send_result_free(result);
    alipay_voucher_send_request_free(request);
}

/* A single voucher call expected to fail with `expected`; prints what the error says. */
static void one_failing_send(alipay_client *client, const char *out_biz_no, alipay_status expected,
                             int expect_sent) {
    alipay_voucher_send_request *request = voucher_request("TPL-FIXED-10", out_biz_no);
    alipay_error *error = send_expecting(client, request, expected);
    CHECK(alipay_error_is_retryable(error));
    CHECK(alipay_error_request_may_have_been_sent(error) == (expect_sent != 0));
    CHECK(alipay_error_outcome_unknown(error) == (expect_sent != 0));
    CHECK_STR(alipay_error_idempotency_key(error), out_biz_no);
    printf("http_status=%u\n", (unsigned)alipay_error_http_status(error));
    printf("attempts=%u\n", (unsigned)alipay_error_attempts(error));
    printf("message=%s\n", alipay_error_message(error));
    alipay_error_free(error);
    alipay_voucher_send_request_free(request);
}

/* The hostile-network findings, from C: a body beyond the response cap and a redirect are HTTP errors with the
 * outcome unknown (the redirect named, never followed); a proxy URL's password is never echoed; control
 * characters in free text are refused naming the field; a key given as a path says so. */
static void case_hostile(void) {
    alipay_client *client = client_with(require_env("ALIPAY_TEST_HUGE_URL"), NULL, 0);
    alipay_voucher_send_request *request = voucher_request("TPL-FIXED-10", "c-huge-0001");
    alipay_error *error = send_expecting(client, request, ALIPAY_STATUS_HTTP);
    CHECK(alipay_error_outcome_unknown(error));
    CHECK(strstr(alipay_error_message(error), "max_response_bytes") != NULL);
    alipay_error_free(error);
    alipay_voucher_send_request_free(request);
    alipay_client_free(client);

    client = client_with(require_env("ALIPAY_TEST_REDIRECT_URL"), NULL, 0);
    request = voucher_request("TPL-FIXED-10", "c-redirect-0001");
    error = send_expecting(client, request, ALIPAY_STATUS_HTTP);
    CHECK(alipay_error_http_status(error) == 307);
    CHECK(strstr(alipay_error_message(error), "evil.example") != NULL);
    alipay_error_free(error);
    alipay_voucher_send_request_free(request);

    /* The memo is refused when it is set or, at the latest, before the call is sent. */
    request = voucher_request("TPL-FIXED-10", "c-memo-0001");
    error = NULL;
    if (alipay_voucher_send_request_set_memo(request, "two\nlines", &error) == ALIPAY_STATUS_OK) {
        error = send_expecting(client, request, ALIPAY_STATUS_INVALID_REQUEST);
    }
    CHECK(error != NULL && alipay_error_status(error) == ALIPAY_STATUS_INVALID_REQUEST);
    CHECK(alipay_error_field(error) != NULL && strcmp(alipay_error_field(error), "memo") == 0);
    alipay_error_free(error);
    alipay_voucher_send_request_free(request);
    alipay_client_free(client);

    /* The proxy's password: refused by the setter or by the build, and in neither message. */
    alipay_client_builder *builder = builder_from_env();
    error = NULL;
    CHECK(alipay_client_builder_set_gateway(builder, "https://openapi.alipay.com/gateway.do", NULL) ==
          ALIPAY_STATUS_OK);
    if (alipay_client_builder_set_proxy(builder, "http://bob:s3cret-pa55@proxy.internal:notaport", &error) ==
        ALIPAY_STATUS_OK) {
        client = NULL;
        CHECK(alipay_client_builder_build(builder, &client, &error) == ALIPAY_STATUS_CONFIG);
        CHECK(client == NULL);
    }
    CHECK(error != NULL && alipay_error_status(error) == ALIPAY_STATUS_CONFIG);
    CHECK(strstr(alipay_error_message(error), "s3cret-pa55") == NULL);
    CHECK(strstr(alipay_error_message(error), "proxy.internal") != NULL);
    alipay_error_free(error);

    /* A key given as a path is refused by the setter or by the build, with the hint to use the _file setter. */
    error = NULL;
    if (alipay_client_builder_set_private_key(builder, "./keys/app_private_key.pem", &error) == ALIPAY_STATUS_OK) {
        client = NULL;
        CHECK(alipay_client_builder_build(builder, &client, &error) == ALIPAY_STATUS_CONFIG);
        CHECK(client == NULL);
    }
    CHECK(error != NULL && alipay_error_status(error) == ALIPAY_STATUS_CONFIG);
    CHECK(strstr(alipay_error_message(error), "looks like a file path") != NULL);
    CHECK(strstr(alipay_error_message(error), "_file setter") != NULL);
    alipay_error_free(error);
    alipay_client_builder_free(builder);
}

int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "";
    alipay_client *client;

    if (strcmp(name, "config") == 0) {
        case_config();
        return finish(name);
    }
    if (strcmp(name, "hostile") == 0) {
        case_hostile();
        return finish(name);
    }
    if (strcmp(name, "transport_refused") == 0) {
        client = client_with(require_env("ALIPAY_TEST_DEAD_URL"), NULL, 0);
        one_failing_send(client, "c-refused-0001", ALIPAY_STATUS_TRANSPORT, 0);
    } else if (strcmp(name, "decode") == 0) {
        client = client_with(require_env("ALIPAY_TEST_DECODE_URL"), NULL, 0);
        {
            alipay_voucher_send_request *request = voucher_request("TPL-FIXED-10", "c-decode-0001");
            alipay_error *error = send_expecting(client, request, ALIPAY_STATUS_DECODE);
            CHECK(!alipay_error_is_retryable(error));
            alipay_error_free(error);
            alipay_voucher_send_request_free(request);
        }
    } else if (strcmp(name, "signature") == 0) {
        client = client_with(NULL, require_env("ALIPAY_TEST_WRONG_PUBLIC_KEY_FILE"), 0);
        {
            alipay_voucher_send_request *request = voucher_request("TPL-FIXED-10", "c-signature-0001");
            alipay_error *error = send_expecting(client, request, ALIPAY_STATUS_SIGNATURE);
            CHECK(!alipay_error_is_retryable(error));
            alipay_error_free(error);
            alipay_voucher_send_request_free(request);
        }
    } else if (strcmp(name, "timeout") == 0) {
        /* The harness delays the next call by far more than this deadline. */
        client = client_with(NULL, NULL, 300);
        one_failing_send(client, "c-timeout-0001", ALIPAY_STATUS_TIMEOUT, 1);
    } else if (strcmp(name, "auto_retry") == 0) {
        /* The default client retries: the harness makes the first attempts fail after and before the effect. */
        alipay_voucher_send_request *request = voucher_request("TPL-FIXED-10", "c-auto-retry-0001");
        alipay_voucher_send_result *result = NULL;
        alipay_error *error = NULL;
        client = client_from_env();
        CHECK_STATUS(alipay_client_send_voucher(client, request, &result, &error), ALIPAY_STATUS_OK, error);
        printf("voucher c-auto-retry-0001=%s\n", alipay_voucher_send_result_voucher_id(result));
        alipay_voucher_send_result_free(result);
        alipay_voucher_send_request_free(request);
    } else {
        client = client_with(NULL, NULL, 0);
        if (strcmp(name, "boundary") == 0) {
            case_boundary(client);
        } else if (strcmp(name, "invalid_request") == 0) {
            case_invalid_request(client);
        } else if (strcmp(name, "gateway") == 0) {
            case_gateway(client);
        } else if (strcmp(name, "retryable") == 0) {
            case_retryable(client);
        } else if (strcmp(name, "transport_dropped") == 0) {
            one_failing_send(client, "c-dropped-0001", ALIPAY_STATUS_TRANSPORT, 1);
        } else if (strcmp(name, "http") == 0) {
            one_failing_send(client, "c-http-0001", ALIPAY_STATUS_HTTP, 1);
        } else {
            fprintf(stderr, "unknown case %s\n", name);
            alipay_client_free(client);
            return 2;
        }
    }
    alipay_client_free(client);
    return finish(name);
}
