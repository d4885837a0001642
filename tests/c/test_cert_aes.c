/*
 * AES content encryption and certificate mode, one case per run:
 *
 *   test_cert_aes aes | cert_rotation
 *
 * aes: the app has an AES key in the sandbox. Extra environment: ALIPAY_TEST_AES_KEY (the app's key) and
 * ALIPAY_TEST_WRONG_AES_KEY (another valid key).
 *
 * cert_rotation: a certificate-mode client (no Alipay public key). Extra environment: ALIPAY_TEST_APP_CERT_FILE,
 * ALIPAY_TEST_ALIPAY_CERT_FILE and ALIPAY_TEST_ALIPAY_ROOT_CERT_FILE. The app certificate is handed over by its
 * path, the other two as text. Between phases the program prints `await STEP`, then blocks reading one line from
 * stdin while the harness acts on the sandbox (STEP is `rotate`, `rotate_untrusted` or `rotate_trusted`), so one
 * client lives through every rotation. End of input instead of a line fails the run.
 *
 * Output lines `voucher OUT_BIZ_NO VOUCHER_ID` list the vouchers received; other lines are `key=value`.
 */
#include "support.h"

static const char *USER = "2088000000000001";

static alipay_voucher_send_request *voucher_request(const char *out_biz_no, const char *memo) {
    alipay_voucher_send_request *request = alipay_voucher_send_request_new();
    CHECK(alipay_voucher_send_request_set_template_id(request, "TPL-FIXED-10", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_voucher_send_request_set_out_biz_no(request, out_biz_no, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_voucher_send_request_set_user_id(request, USER, NULL) == ALIPAY_STATUS_OK);
    if (memo != NULL) {
        CHECK(alipay_voucher_send_request_set_memo(request, memo, NULL) == ALIPAY_STATUS_OK);
    }
    return request;
}

/* Sends one voucher; on success prints it. Returns the status and stores the error in `*error_out` when it is not
 * NULL. */
static alipay_status send_one(alipay_client *client, const char *out_biz_no, const char *memo,
                              alipay_error **error_out) {
    alipay_voucher_send_request *request = voucher_request(out_biz_no, memo);
    alipay_voucher_send_result *result = NULL;
    alipay_status status = alipay_client_send_voucher(client, request, &result, error_out);
    if (status == ALIPAY_STATUS_OK) {
        CHECK_STR(alipay_voucher_send_result_user_id(result), USER);
        printf("voucher %s %s\n", out_biz_no, alipay_voucher_send_result_voucher_id(result));
    }
    alipay_voucher_send_result_free(result);
    alipay_voucher_send_request_free(request);
    return status;
}

/* Sends one voucher that must succeed. */
static void send_ok(alipay_client *client, const char *out_biz_no, const char *memo) {
    alipay_error *error = NULL;
    CHECK_STATUS(send_one(client, out_biz_no, memo, &error), ALIPAY_STATUS_OK, error);
    alipay_error_free(error);
}

/* The app's AES key: encrypted requests and answers, in UTF-8 and in GBK, through the typed call and execute; then
 * a key the gateway cannot decrypt with. */
static void case_aes(void) {
    const char *aes_key = require_env("ALIPAY_TEST_AES_KEY");
    alipay_client_builder *builder = builder_from_env();
    alipay_client *client;
    alipay_voucher_send_request *request;
    alipay_voucher_send_result *first = NULL;
    alipay_voucher_send_result *replay = NULL;
    alipay_response *response = NULL;
    alipay_error *error = NULL;
    alipay_stats s;
    const char *biz = "{\"template_id\":\"TPL-FIXED-10\",\"out_biz_no\":\"c-aes-0002\","
                      "\"user_id\":\"2088000000000001\"}";

    CHECK(alipay_client_builder_set_aes_key(builder, aes_key, NULL) == ALIPAY_STATUS_OK);
    client = build(builder);

    /* The typed call; the replay of its key answers the same voucher (decrypted from the stored answer). */
    request = voucher_request("c-aes-0001", "新客礼券 AES");
    CHECK_STATUS(alipay_client_send_voucher(client, request, &first, &error), ALIPAY_STATUS_OK, error);
    CHECK_STATUS(alipay_client_send_voucher(client, request, &replay, &error), ALIPAY_STATUS_OK, error);
    CHECK(first != NULL && alipay_voucher_send_result_voucher_id(first) != NULL);
    CHECK(replay != NULL && str_eq(alipay_voucher_send_result_voucher_id(replay),
                                   alipay_voucher_send_result_voucher_id(first)));
    if (first != NULL) {
        printf("voucher c-aes-0001 %s\n", alipay_voucher_send_result_voucher_id(first));
    }
    alipay_voucher_send_result_free(first);
    alipay_voucher_send_result_free(replay);
    alipay_voucher_send_request_free(request);

    /* execute: the body handed back is the decrypted node, verified. */
    CHECK_STATUS(alipay_client_execute(client, "alipay.marketing.voucher.send", biz, &response, &error),
                 ALIPAY_STATUS_OK, error);
    CHECK(response != NULL && strstr(alipay_response_body(response), "\"code\":\"10000\"") != NULL);
    CHECK(response != NULL && strstr(alipay_response_body(response), "\"voucher_id\"") != NULL);
    if (response != NULL) {
        printf("execute_body=%s\n", alipay_response_body(response));
    }
    alipay_response_free(response);
    s = stats_of(client);
    CHECK(s.calls == 3 && s.successes == 3 && s.failed == 0 && s.retries == 0);
    alipay_client_free(client);
    CHECK(error == NULL);

    /* GBK and AES together: the JSON is encrypted in GBK, a character whose trail byte is '\' included. */
    builder = builder_from_env();
    CHECK(alipay_client_builder_set_aes_key(builder, aes_key, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_charset(builder, "GBK", NULL) == ALIPAY_STATUS_OK);
    client = build(builder);
    send_ok(client, "c-aes-gbk-0001", "新客礼券乗");
    alipay_client_free(client);

    /* Another valid key: the gateway cannot decrypt, answers 40003, and nothing is retried or issued. */
    builder = builder_from_env();
    CHECK(alipay_client_builder_set_aes_key(builder, require_env("ALIPAY_TEST_WRONG_AES_KEY"), NULL) ==
          ALIPAY_STATUS_OK);
    client = build(builder);
    CHECK_STATUS(send_one(client, "c-aes-wrong-0001", "x", &error), ALIPAY_STATUS_GATEWAY, error);
    CHECK(error != NULL);
    CHECK(alipay_error_status(error) == ALIPAY_STATUS_GATEWAY);
    CHECK_STR(alipay_error_gateway_code(error), "40003");
    CHECK_STR(alipay_error_sub_code(error), "isv.decryption-error-unknown");
    CHECK(alipay_error_gateway_msg(error) != NULL && alipay_error_gateway_msg(error)[0] != '\0');
    CHECK(!alipay_error_is_retryable(error));
    CHECK(!alipay_error_outcome_unknown(error));
    CHECK(alipay_error_attempts(error) == 1);
    CHECK(alipay_error_our_sign_content(error) == NULL);
    printf("wrong_key_sub_code=%s\n", alipay_error_sub_code(error) ? alipay_error_sub_code(error) : "");
    alipay_error_free(error);
    s = stats_of(client);
    CHECK(s.calls == 1 && s.failed == 1 && s.failed_gateway == 1 && s.attempts == 1);
    alipay_client_free(client);
}

/* Prints `await STEP` and blocks until the harness answers with a line; end of input ends the run as a failure. */
static void wait_for_harness(const char *step) {
    char line[64];
    printf("await %s\n", step);
    fflush(stdout);
    if (fgets(line, sizeof line, stdin) == NULL) {
        fprintf(stderr, "no answer from the harness at step %s\n", step);
        support_failures++;
        exit(finish(step));
    }
}

/* A certificate-mode builder: the app certificate by path, the Alipay and root certificates as text. No Alipay
 * public key. */
static alipay_client_builder *cert_builder(void) {
    char *alipay_cert = read_file(require_env("ALIPAY_TEST_ALIPAY_CERT_FILE"));
    char *root_cert = read_file(require_env("ALIPAY_TEST_ALIPAY_ROOT_CERT_FILE"));
    alipay_client_builder *builder = alipay_client_builder_new();
    CHECK(alipay_client_builder_set_app_id(builder, require_env("ALIPAY_APP_ID"), NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_private_key_file(builder, require_env("ALIPAY_APP_PRIVATE_KEY_FILE"), NULL) ==
          ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_app_cert_file(builder, require_env("ALIPAY_TEST_APP_CERT_FILE"), NULL) ==
          ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_alipay_cert(builder, alipay_cert, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_alipay_root_cert(builder, root_cert, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_gateway(builder, require_env("ALIPAY_GATEWAY_URL"), NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_timeout_ms(builder, 120000, NULL) == ALIPAY_STATUS_OK);
    /* The builder keeps its own copies. */
    free(alipay_cert);
    free(root_cert);
    return builder;
}

/* One client through a rotation (the new certificate downloaded once, calls going on), an untrusted rotation
 * (refused on every call: nothing cached) and a trusted one again. */
static void case_cert_rotation(void) {
    alipay_client_builder *builder = cert_builder();
    alipay_doctor_report *report = NULL;
    alipay_client *client;
    alipay_error *error = NULL;
    alipay_stats s;
    int i;

    /* The doctor reads the certificate files and names the certificates by SN. */
    CHECK(alipay_client_builder_doctor(builder, &report, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_doctor_report_is_healthy(report));
    printf("doctor:\n%s\n", alipay_doctor_report_text(report) ? alipay_doctor_report_text(report) : "");
    alipay_doctor_report_free(report);
    client = build(builder);

    send_ok(client, "c-cert-0001", "证书模式");
    wait_for_harness("rotate");
    send_ok(client, "c-cert-0002", NULL);
    send_ok(client, "c-cert-0003", NULL);
    wait_for_harness("rotate_untrusted");

    for (i = 4; i <= 5; i++) {
        char out_biz_no[32];
        snprintf(out_biz_no, sizeof out_biz_no, "c-cert-%04d", i);
        CHECK_STATUS(send_one(client, out_biz_no, NULL, &error), ALIPAY_STATUS_SIGNATURE, error);
        CHECK(error != NULL);
        CHECK(alipay_error_status(error) == ALIPAY_STATUS_SIGNATURE);
        CHECK(alipay_error_message(error) != NULL && strstr(alipay_error_message(error), "does not chain") != NULL);
        CHECK(!alipay_error_is_retryable(error));
        CHECK(alipay_error_gateway_code(error) == NULL);
        CHECK(alipay_error_attempts(error) == 1);
        if (error != NULL) {
            printf("untrusted_%d=%s\n", i, alipay_error_message(error));
        }
        alipay_error_free(error);
        error = NULL;
    }
    s = stats_of(client);
    CHECK(s.calls == 5 && s.successes == 3 && s.failed == 2 && s.failed_signature == 2 && s.retries == 0);
    wait_for_harness("rotate_trusted");

    send_ok(client, "c-cert-0006", NULL);
    s = stats_of(client);
    CHECK(s.calls == 6 && s.successes == 4 && s.failed == 2);
    alipay_client_free(client);
}

int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "";
    if (strcmp(name, "aes") == 0) {
        case_aes();
    } else if (strcmp(name, "cert_rotation") == 0) {
        case_cert_rotation();
    } else {
        fprintf(stderr, "usage: %s aes | cert_rotation\n", argv[0]);
        return 2;
    }
    return finish(name);
}
