/*
 * The three calls and the generic execute against a running sandbox, one case per run:
 *
 *   test_calls invite | voucher | points | execute | gbk
 *
 * Each case checks what C can see and prints `key=value` lines that the harness compares with the sandbox's state.
 */
#include "support.h"

static const char *USER = "2088000000000001";

static void case_invite(alipay_client *client) {
    alipay_invite_award_request *request = alipay_invite_award_request_new();
    alipay_invite_award_result *result = NULL;
    alipay_error *error = NULL;

    /* A mobile that no Alipay user has: a new user, awarded once. */
    CHECK(alipay_invite_award_request_set_mobile(request, "13912345678", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_invite_award_request_set_out_biz_no(request, "c-invite-0001", NULL) == ALIPAY_STATUS_OK);
    CHECK_STATUS(alipay_client_receive_invite_award(client, request, &result, &error), ALIPAY_STATUS_OK, error);
    CHECK_STR(alipay_invite_award_result_biz_result_code(result), "NEW_AWARD_SUCESS");
    CHECK_STR(alipay_invite_award_result_user_attr(result), "NEW");
    CHECK(alipay_invite_award_result_is_awarded(result));
    CHECK_STR(alipay_invite_award_result_mobile(result), "13912345678");
    CHECK(alipay_invite_award_result_biz_result_desc(result) != NULL);
    CHECK(alipay_invite_award_result_alipay_account_no_count(result) == 0);
    CHECK(alipay_invite_award_result_alipay_account_no(result, 0) == NULL);
    printf("new_user=%s\n", alipay_invite_award_result_biz_result_code(result));
    alipay_invite_award_result_free(result);
    alipay_invite_award_request_free(request);

    /* A registered user, by user id: an old user with masked account names. */
    request = alipay_invite_award_request_new();
    result = NULL;
    CHECK(alipay_invite_award_request_set_user_id(request, USER, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_invite_award_request_set_out_biz_no(request, "c-invite-0002", NULL) == ALIPAY_STATUS_OK);
    CHECK_STATUS(alipay_client_receive_invite_award(client, request, &result, &error), ALIPAY_STATUS_OK, error);
    CHECK_STR(alipay_invite_award_result_user_attr(result), "OLD");
    CHECK(alipay_invite_award_result_alipay_account_no_count(result) >= 1);
    CHECK(alipay_invite_award_result_alipay_account_no(result, 0) != NULL);
    printf("old_user=%s\n", alipay_invite_award_result_biz_result_code(result));
    alipay_invite_award_result_free(result);
    alipay_invite_award_request_free(request);

    /* A paused activity is a business result with status OK, not an error. */
    request = alipay_invite_award_request_new();
    result = NULL;
    CHECK(alipay_invite_award_request_set_mobile(request, "13912345679", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_invite_award_request_set_out_biz_code(request, "PAUSED-ACT", NULL) == ALIPAY_STATUS_OK);
    CHECK_STATUS(alipay_client_receive_invite_award(client, request, &result, &error), ALIPAY_STATUS_OK, error);
    CHECK_STR(alipay_invite_award_result_biz_result_code(result), "ACTIVITY_PAUSE");
    CHECK(!alipay_invite_award_result_is_awarded(result));
    printf("paused=%s\n", alipay_invite_award_result_biz_result_code(result));
    alipay_invite_award_result_free(result);
    alipay_invite_award_request_free(request);
    CHECK(error == NULL);
}

static void case_voucher(alipay_client *client) {
    alipay_voucher_send_request *request = alipay_voucher_send_request_new();
    alipay_voucher_send_result *first = NULL;
    alipay_voucher_send_result *replay = NULL;
    alipay_voucher_send_result *red = NULL;
    alipay_error *error = NULL;

    CHECK(alipay_voucher_send_request_set_template_id(request, "TPL-FIXED-10", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_voucher_send_request_set_out_biz_no(request, "c-voucher-0001", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_voucher_send_request_set_user_id(request, USER, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_voucher_send_request_set_memo(request, "新客礼券", NULL) == ALIPAY_STATUS_OK);
    CHECK_STATUS(alipay_client_send_voucher(client, request, &first, &error), ALIPAY_STATUS_OK, error);
    CHECK(alipay_voucher_send_result_voucher_id(first) != NULL);
    CHECK_STR(alipay_voucher_send_result_user_id(first), USER);

    /* The same template_id + out_biz_no again: the same voucher, not a second one. */
    CHECK_STATUS(alipay_client_send_voucher(client, request, &replay, &error), ALIPAY_STATUS_OK, error);
    CHECK_STR(alipay_voucher_send_result_voucher_id(replay), alipay_voucher_send_result_voucher_id(first));
    alipay_voucher_send_request_free(request);

    /* A red-packet template with its amount. */
    request = alipay_voucher_send_request_new();
    CHECK(alipay_voucher_send_request_set_template_id(request, "TPL-RED-PACKET", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_voucher_send_request_set_out_biz_no(request, "c-voucher-0002", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_voucher_send_request_set_user_id(request, USER, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_voucher_send_request_set_amount(request, "8.88", NULL) == ALIPAY_STATUS_OK);
    CHECK_STATUS(alipay_client_send_voucher(client, request, &red, &error), ALIPAY_STATUS_OK, error);
    CHECK(!str_eq(alipay_voucher_send_result_voucher_id(red), alipay_voucher_send_result_voucher_id(first)));
    alipay_voucher_send_request_free(request);

    printf("voucher c-voucher-0001=%s\n", alipay_voucher_send_result_voucher_id(first));
    printf("voucher c-voucher-0002=%s\n", alipay_voucher_send_result_voucher_id(red));
    alipay_voucher_send_result_free(first);
    alipay_voucher_send_result_free(replay);
    alipay_voucher_send_result_free(red);
    CHECK(error == NULL);
}

/* One points update; returns the point_log_no (free it) or NULL. */
static char *update_points(alipay_client *client, const char *req_id, const char *trans_type, uint64_t amount,
                           const char *biz_no) {
    alipay_points_update_request *request = alipay_points_update_request_new();
    alipay_points_update_result *result = NULL;
    alipay_error *error = NULL;
    char *point_log_no = NULL;

    CHECK(alipay_points_update_request_set_req_id(request, req_id, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_points_update_request_set_user_id(request, USER, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_points_update_request_set_activity_account(request, "STAMP-CARD-01", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_points_update_request_set_trans_type(request, trans_type, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_points_update_request_set_trans_amount(request, amount, NULL) == ALIPAY_STATUS_OK);
    if (biz_no != NULL) {
        CHECK(alipay_points_update_request_set_biz_no(request, biz_no, NULL) == ALIPAY_STATUS_OK);
    }
    CHECK_STATUS(alipay_client_update_points(client, request, &result, &error), ALIPAY_STATUS_OK, error);
    if (result != NULL) {
        const char *log_no = alipay_points_update_result_point_log_no(result);
        CHECK(log_no != NULL && log_no[0] != '\0');
        point_log_no = (char *)malloc(strlen(log_no) + 1);
        strcpy(point_log_no, log_no);
    }
    alipay_points_update_result_free(result);
    alipay_points_update_request_free(request);
    alipay_error_free(error);
    return point_log_no;
}

static void case_points(alipay_client *client) {
    /* 100 points to start with: deposit 10, freeze 30, commit the freeze: 80 available, 0 frozen. */
    char *deposit = update_points(client, "c-points-0001", "DEPOSIT", 10, "2024052722001400000000000001");
    char *freeze = update_points(client, "c-points-0002", "freeze", 30, NULL);
    char *commit = freeze ? update_points(client, "c-points-0003", "COMMIT", 30, freeze) : NULL;
    CHECK(deposit != NULL && freeze != NULL && commit != NULL);
    printf("freeze_point_log_no=%s\n", freeze ? freeze : "");
    free(deposit);
    free(freeze);
    free(commit);
}

/* A GBK app: the request is signed and sent in GBK, the Chinese memo included (the harness checks the memo the
 * sandbox stored). */
static void case_gbk(void) {
    alipay_client_builder *builder = builder_from_env();
    alipay_client *client = NULL;
    alipay_voucher_send_request *request = alipay_voucher_send_request_new();
    alipay_voucher_send_result *result = NULL;
    alipay_error *error = NULL;

    CHECK(alipay_client_builder_set_charset(builder, "GBK", NULL) == ALIPAY_STATUS_OK);
    CHECK_STATUS(alipay_client_builder_build(builder, &client, &error), ALIPAY_STATUS_OK, error);
    alipay_client_builder_free(builder);
    CHECK(alipay_voucher_send_request_set_template_id(request, "TPL-FIXED-10", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_voucher_send_request_set_out_biz_no(request, "c-gbk-0001", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_voucher_send_request_set_user_id(request, USER, NULL) == ALIPAY_STATUS_OK);
    /* 乗 is 81 5C in GBK: its trail byte is a backslash. */
    CHECK(alipay_voucher_send_request_set_memo(request, "新客礼券乗", NULL) == ALIPAY_STATUS_OK);
    CHECK_STATUS(alipay_client_send_voucher(client, request, &result, &error), ALIPAY_STATUS_OK, error);
    printf("voucher c-gbk-0001=%s\n", alipay_voucher_send_result_voucher_id(result));
    alipay_voucher_send_result_free(result);
    alipay_voucher_send_request_free(request);
    alipay_client_free(client);
    alipay_error_free(error);
}

static void case_execute(alipay_client *client) {
    alipay_response *response = NULL;
    alipay_error *error = NULL;
    const char *biz = "{\"template_id\":\"TPL-FIXED-10\",\"out_biz_no\":\"c-execute-0001\","
                      "\"user_id\":\"2088000000000001\"}";

    CHECK_STATUS(alipay_client_execute(client, "alipay.marketing.voucher.send", biz, &response, &error),
                 ALIPAY_STATUS_OK, error);
    CHECK(response != NULL && strstr(alipay_response_body(response), "\"voucher_id\"") != NULL);
    CHECK(response != NULL && strstr(alipay_response_body(response), "\"code\":\"10000\"") != NULL);
    printf("execute_body=%s\n", alipay_response_body(response));
    alipay_response_free(response);

    /* A method name that cannot exist, and biz_content that is not a JSON object: nothing is sent. */
    response = NULL;
    CHECK_STATUS(alipay_client_execute(client, "Alipay Voucher Send", "{}", &response, &error),
                 ALIPAY_STATUS_INVALID_REQUEST, error);
    CHECK_STR(alipay_error_field(error), "method");
    CHECK(!alipay_error_request_may_have_been_sent(error));
    alipay_error_free(error);
    error = NULL;
    CHECK_STATUS(alipay_client_execute(client, "alipay.marketing.voucher.send", "[1,2]", &response, &error),
                 ALIPAY_STATUS_INVALID_REQUEST, error);
    CHECK_STR(alipay_error_field(error), "biz_content");
    CHECK(response == NULL);
    alipay_error_free(error);
}

int main(int argc, char **argv) {
    alipay_client *client;
    const char *name = argc > 1 ? argv[1] : "";

    if (strcmp(name, "gbk") == 0) {
        case_gbk();
        return finish(name);
    }
    client = client_from_env();
    if (strcmp(name, "invite") == 0) {
        case_invite(client);
    } else if (strcmp(name, "voucher") == 0) {
        case_voucher(client);
    } else if (strcmp(name, "points") == 0) {
        case_points(client);
    } else if (strcmp(name, "execute") == 0) {
        case_execute(client);
    } else {
        fprintf(stderr, "usage: %s invite|voucher|points|execute|gbk\n", argv[0]);
        alipay_client_free(client);
        return 2;
    }
    alipay_client_free(client);
    return finish(name);
}
