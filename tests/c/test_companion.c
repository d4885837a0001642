/*
 * The companion calls, the campaign preflight and settling unknown outcomes against a running sandbox, one case
 * per run:
 *
 *   test_companion calls | bad_input | signature | preflight | settle VOUCHERS DEPOSITS
 *
 * Each case checks what C can see and prints `key=value` lines that the harness compares with the sandbox's state.
 * `preflight` and `settle` stop at `await STEP` lines (expire the template; swap the faults) and go on when the
 * harness answers on stdin.
 *
 * Extra environment: ALIPAY_TEST_WRONG_PUBLIC_KEY_FILE (a key that did not sign the answers),
 * ALIPAY_TEST_STRANGER_PRIVATE_KEY_FILE (a key the gateway does not know).
 */
#include <time.h>

#include "support.h"

static const char *USER = "2088000000000001";
static const char *STAMP_CARD = "STAMP-CARD-01";

/* The user of settle row `i`, as the harness registers them: 2088 and 12 digits from 700000000 on. */
static void scale_user(char *out, size_t size, int i) {
    snprintf(out, size, "2088%012ld", 700000000L + (long)i);
}

/* Beijing time `yyyy-MM-dd HH:mm:ss`, `offset` seconds from now. */
static void beijing(char *out, size_t size, long offset) {
    time_t t = time(NULL) + offset + 8 * 3600;
    strftime(out, size, "%Y-%m-%d %H:%M:%S", gmtime(&t));
}

/* Waits for the harness at step `name`. */
static void await_step(const char *name) {
    char line[64];
    printf("await %s\n", name);
    fflush(stdout);
    if (fgets(line, sizeof line, stdin) == NULL) {
        fprintf(stderr, "no answer from the harness at step %s\n", name);
        exit(2);
    }
}

/* Checks that the call that wrote `*error` failed with `expected` naming `field`, then frees the error and resets
 * `*error` to NULL. */
static void expect_field(alipay_status status, alipay_error **error, alipay_status expected, const char *field) {
    CHECK_STATUS(status, expected, *error);
    CHECK(*error != NULL);
    if (*error != NULL) {
        CHECK_STR(alipay_error_field(*error), field);
        CHECK(alipay_error_message(*error) != NULL && strstr(alipay_error_message(*error), field) != NULL);
    }
    alipay_error_free(*error);
    *error = NULL;
}

static alipay_voucher_send_request *voucher_request(const char *template_id, const char *out_biz_no,
                                                    const char *user_id) {
    alipay_voucher_send_request *request = alipay_voucher_send_request_new();
    CHECK(alipay_voucher_send_request_set_template_id(request, template_id, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_voucher_send_request_set_out_biz_no(request, out_biz_no, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_voucher_send_request_set_user_id(request, user_id, NULL) == ALIPAY_STATUS_OK);
    return request;
}

/* A fixed template of `quantity` vouchers of 10 yuan whose window runs from an hour ago to ten days ahead. */
static alipay_template_create_request *fixed_template(const char *out_biz_no, uint64_t quantity) {
    char start[32], end[32];
    alipay_template_create_request *request = alipay_template_create_request_new_fixed();
    beijing(start, sizeof start, -3600);
    beijing(end, sizeof end, 10L * 86400);
    CHECK(alipay_template_create_request_set_out_biz_no(request, out_biz_no, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_template_create_request_set_brand_name(request, "新客礼券", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_template_create_request_set_amount(request, "10.00", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_template_create_request_set_voucher_quantity(request, quantity, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_template_create_request_set_publish_window(request, start, end, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_template_create_request_set_valid_for(request, 7, "DAY", NULL) == ALIPAY_STATUS_OK);
    return request;
}

/* Creates a template, returning its id (free it) or NULL. */
static char *create_template(alipay_client *client, alipay_template_create_request *request) {
    alipay_template_create_result *result = NULL;
    alipay_error *error = NULL;
    char *id = NULL;
    CHECK_STATUS(alipay_client_create_template(client, request, &result, &error), ALIPAY_STATUS_OK, error);
    if (result != NULL) {
        const char *text = alipay_template_create_result_template_id(result);
        id = (char *)malloc(strlen(text) + 1);
        strcpy(id, text);
    }
    alipay_template_create_result_free(result);
    alipay_error_free(error);
    return id;
}

/* Each call's happy path. */
static void case_calls(alipay_client *client) {
    alipay_voucher_send_request *send = voucher_request("TPL-FIXED-10", "c-comp-0001", USER);
    alipay_voucher_send_result *sent = NULL;
    alipay_voucher_detail *detail = NULL;
    alipay_voucher_list_query_request *list_request = alipay_voucher_list_query_request_new();
    alipay_voucher_list *list = NULL;
    alipay_template_detail *template = NULL;
    alipay_points_balance *balance = NULL;
    alipay_template_create_request *create;
    alipay_call_options *options = alipay_call_options_new();
    alipay_error *error = NULL;
    char *created, *again;
    uint64_t n = 0;

    CHECK(alipay_call_options_set_timeout_ms(options, 60000, NULL) == ALIPAY_STATUS_OK);

    /* A voucher sent, then read back by id. */
    CHECK_STATUS(alipay_client_send_voucher(client, send, &sent, &error), ALIPAY_STATUS_OK, error);
    CHECK_STATUS(alipay_client_query_voucher(client, alipay_voucher_send_result_voucher_id(sent), &detail, &error),
                 ALIPAY_STATUS_OK, error);
    CHECK_STR(alipay_voucher_detail_voucher_id(detail), alipay_voucher_send_result_voucher_id(sent));
    CHECK_STR(alipay_voucher_detail_template_id(detail), "TPL-FIXED-10");
    CHECK_STR(alipay_voucher_detail_status(detail), "ENABLED");
    CHECK_STR(alipay_voucher_detail_total_amount(detail), "10.00");
    CHECK_STR(alipay_voucher_detail_user_id(detail), USER);
    CHECK(alipay_voucher_detail_gmt_create(detail) != NULL);
    /* An optional count: either absent or written; never written through NULL. */
    CHECK(!alipay_voucher_detail_total_count(detail, NULL));
    CHECK(!alipay_voucher_detail_total_count(NULL, &n));
    printf("voucher c-comp-0001=%s\n", alipay_voucher_detail_voucher_id(detail));
    printf("voucher_status=%s\n", alipay_voucher_detail_status(detail));
    alipay_voucher_detail_free(detail);

    /* The user's vouchers of the template: the one just sent. */
    CHECK(alipay_voucher_list_query_request_set_template_id(list_request, "TPL-FIXED-10", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_voucher_list_query_request_set_user_id(list_request, USER, NULL) == ALIPAY_STATUS_OK);
    CHECK_STATUS(alipay_client_list_vouchers_with_options(client, list_request, options, &list, &error),
                 ALIPAY_STATUS_OK, error);
    CHECK(alipay_voucher_list_count(list) == 1);
    CHECK_STR(alipay_voucher_list_voucher_id(list, 0), alipay_voucher_send_result_voucher_id(sent));
    CHECK_STR(alipay_voucher_list_template_id(list, 0), "TPL-FIXED-10");
    CHECK_STR(alipay_voucher_list_status(list, 0), "ENABLED");
    CHECK(alipay_voucher_list_send_time(list, 0) != NULL);
    CHECK(alipay_voucher_list_voucher_id(list, 1) == NULL);
    CHECK(alipay_voucher_list_status(list, 7) == NULL);
    CHECK(alipay_voucher_list_count(NULL) == 0);
    printf("listed=%lu\n", (unsigned long)alipay_voucher_list_count(list));
    alipay_voucher_list_free(list);
    alipay_voucher_list_query_request_free(list_request);

    /* Another user's list: empty, not an error. */
    list_request = alipay_voucher_list_query_request_new();
    list = NULL;
    CHECK(alipay_voucher_list_query_request_set_template_id(list_request, "TPL-RED-PACKET", NULL) ==
          ALIPAY_STATUS_OK);
    CHECK(alipay_voucher_list_query_request_set_user_id(list_request, USER, NULL) == ALIPAY_STATUS_OK);
    CHECK_STATUS(alipay_client_list_vouchers(client, list_request, &list, &error), ALIPAY_STATUS_OK, error);
    CHECK(list != NULL && alipay_voucher_list_count(list) == 0);
    alipay_voucher_list_free(list);
    alipay_voucher_list_query_request_free(list_request);

    /* The template: published, one voucher issued. */
    CHECK_STATUS(alipay_client_query_template_with_options(client, "TPL-FIXED-10", options, &template, &error),
                 ALIPAY_STATUS_OK, error);
    CHECK_STR(alipay_template_detail_template_id(template), "TPL-FIXED-10");
    CHECK_STR(alipay_template_detail_status(template), "S");
    CHECK(alipay_template_detail_publish_count(template, &n) && n == 1);
    printf("template_status=%s\n", alipay_template_detail_status(template));
    printf("template_publish_count=%lu\n", (unsigned long)n);
    alipay_template_detail_free(template);

    /* The stamp card's balance. */
    CHECK_STATUS(alipay_client_query_points_with_options(client, STAMP_CARD, USER, options, &balance, &error),
                 ALIPAY_STATUS_OK, error);
    printf("available_points=%lu\n", (unsigned long)alipay_points_balance_available_points(balance));
    printf("freezed_points=%lu\n", (unsigned long)alipay_points_balance_freezed_points(balance));
    printf("total_points=%lu\n", (unsigned long)alipay_points_balance_total_points(balance));
    CHECK(alipay_points_balance_available_points(NULL) == 0);
    alipay_points_balance_free(balance);

    /* A template created, and created again with the same out_biz_no: the same one. */
    create = fixed_template("c-comp-tpl-0001", 50);
    CHECK(alipay_template_create_request_set_floor_amount(create, "20.00", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_template_create_request_set_voucher_description(create, "[\"满20元可用\"]", NULL) ==
          ALIPAY_STATUS_OK);
    created = create_template(client, create);
    again = create_template(client, create);
    CHECK(created != NULL && again != NULL);
    CHECK_STR(again, created);
    printf("created_template=%s\n", created ? created : "");
    template = NULL;
    CHECK_STATUS(alipay_client_query_template(client, created, &template, &error), ALIPAY_STATUS_OK, error);
    CHECK_STR(alipay_template_detail_status(template), "S");
    CHECK_STR(alipay_template_detail_voucher_type(template), "CASHLESS_FIX_VOUCHER");
    CHECK_STR(alipay_template_detail_floor_amount(template), "20.00");
    CHECK(alipay_template_detail_voucher_quantity(template, &n) && n == 50);
    CHECK(alipay_template_detail_remaining(template, &n) && n == 50);
    alipay_template_detail_free(template);
    free(created);
    free(again);
    alipay_template_create_request_free(create);

    alipay_voucher_send_result_free(sent);
    alipay_voucher_send_request_free(send);
    alipay_call_options_free(options);
    CHECK(error == NULL);
}

/* Bad input: each refused before sending, with an error naming the field. */
static void case_bad_input(alipay_client *client) {
    alipay_voucher_detail *detail = NULL;
    alipay_voucher_list_query_request *list_request = alipay_voucher_list_query_request_new();
    alipay_voucher_list *list = NULL;
    alipay_template_detail *template = NULL;
    alipay_points_balance *balance = NULL;
    alipay_template_create_request *create;
    alipay_template_create_result *created = NULL;
    alipay_error *error = NULL;
    char end[32], start[32];

    expect_field(alipay_client_query_voucher(client, "", &detail, &error), &error, ALIPAY_STATUS_INVALID_REQUEST,
                 "voucher_id");
    expect_field(alipay_client_query_voucher(client, NULL, &detail, &error), &error, ALIPAY_STATUS_NULL_ARGUMENT,
                 "voucher_id");
    CHECK(detail == NULL);

    /* No user, then both users. */
    CHECK(alipay_voucher_list_query_request_set_template_id(list_request, "TPL-FIXED-10", NULL) == ALIPAY_STATUS_OK);
    expect_field(alipay_client_list_vouchers(client, list_request, &list, &error), &error,
                 ALIPAY_STATUS_INVALID_REQUEST, "user_id");
    CHECK(alipay_voucher_list_query_request_set_user_id(list_request, USER, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_voucher_list_query_request_set_open_id(list_request, "074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5",
                                                        NULL) == ALIPAY_STATUS_OK);
    expect_field(alipay_client_list_vouchers(client, list_request, &list, &error), &error,
                 ALIPAY_STATUS_INVALID_REQUEST, "open_id");
    expect_field(alipay_voucher_list_query_request_set_user_id(NULL, USER, &error), &error,
                 ALIPAY_STATUS_NULL_ARGUMENT, "request");
    CHECK(list == NULL);
    alipay_voucher_list_query_request_free(list_request);

    expect_field(alipay_client_query_template(client, "TPL-LONGER-THAN-28-CHARACTERS", &template, &error), &error,
                 ALIPAY_STATUS_INVALID_REQUEST, "template_id");
    expect_field(alipay_client_check_template(client, "TPL-FIXED-10", 0, &template, &error), &error,
                 ALIPAY_STATUS_INVALID_REQUEST, "quantity");
    expect_field(alipay_client_check_template(client, "TPL-FIXED-10", 1, NULL, &error), &error,
                 ALIPAY_STATUS_NULL_ARGUMENT, "result_out");
    CHECK(template == NULL);

    expect_field(alipay_client_query_points(client, STAMP_CARD, "12345", &balance, &error), &error,
                 ALIPAY_STATUS_INVALID_REQUEST, "user_id");
    expect_field(alipay_client_query_points(client, "", USER, &balance, &error), &error,
                 ALIPAY_STATUS_INVALID_REQUEST, "activity_account");
    CHECK(balance == NULL);

    /* Template creation: a missing quantity, a long brand name, a window of more than 90 days, a bad unit. */
    create = fixed_template("c-bad-tpl-0001", 10);
    alipay_template_create_request_free(create);
    create = alipay_template_create_request_new_fixed();
    CHECK(alipay_template_create_request_set_out_biz_no(create, "c-bad-tpl-0001", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_template_create_request_set_brand_name(create, "品牌", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_template_create_request_set_amount(create, "10.00", NULL) == ALIPAY_STATUS_OK);
    beijing(start, sizeof start, 60);
    beijing(end, sizeof end, 5L * 86400);
    CHECK(alipay_template_create_request_set_publish_window(create, start, end, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_template_create_request_set_valid_for(create, 7, "DAY", NULL) == ALIPAY_STATUS_OK);
    expect_field(alipay_client_create_template(client, create, &created, &error), &error,
                 ALIPAY_STATUS_INVALID_REQUEST, "voucher_quantity");
    alipay_template_create_request_free(create);

    create = fixed_template("c-bad-tpl-0002", 10);
    CHECK(alipay_template_create_request_set_brand_name(create, "十三个字的品牌名称太长了呀", NULL) == ALIPAY_STATUS_OK);
    expect_field(alipay_client_create_template(client, create, &created, &error), &error,
                 ALIPAY_STATUS_INVALID_REQUEST, "brand_name");
    alipay_template_create_request_free(create);

    create = fixed_template("c-bad-tpl-0003", 10);
    beijing(end, sizeof end, 91L * 86400);
    CHECK(alipay_template_create_request_set_publish_window(create, start, end, NULL) == ALIPAY_STATUS_OK);
    expect_field(alipay_client_create_template(client, create, &created, &error), &error,
                 ALIPAY_STATUS_INVALID_REQUEST, "publish_end_time");
    alipay_template_create_request_free(create);

    create = fixed_template("c-bad-tpl-0004", 10);
    CHECK(alipay_template_create_request_set_valid_for(create, 1, "WEEK", NULL) == ALIPAY_STATUS_OK);
    expect_field(alipay_client_create_template(client, create, &created, &error), &error,
                 ALIPAY_STATUS_INVALID_REQUEST, "voucher_valid_period");
    alipay_template_create_request_free(create);

    create = alipay_template_create_request_new_random();
    CHECK(alipay_template_create_request_set_out_biz_no(create, "c-bad-tpl-0005", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_template_create_request_set_brand_name(create, "红包", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_template_create_request_set_amount(create, "10.00", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_template_create_request_set_publish_window(create, start, start, NULL) == ALIPAY_STATUS_OK);
    expect_field(alipay_client_create_template(client, create, &created, &error), &error,
                 ALIPAY_STATUS_INVALID_REQUEST, "publish_end_time");
    beijing(end, sizeof end, 5L * 86400);
    CHECK(alipay_template_create_request_set_publish_window(create, start, end, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_template_create_request_set_valid_between(create, start, end, NULL) == ALIPAY_STATUS_OK);
    expect_field(alipay_client_create_template(client, create, &created, &error), &error,
                 ALIPAY_STATUS_INVALID_REQUEST, "total_amount");
    CHECK(alipay_template_create_request_set_total_amount(create, "20000000.00", NULL) == ALIPAY_STATUS_OK);
    expect_field(alipay_client_create_template(client, create, &created, &error), &error,
                 ALIPAY_STATUS_INVALID_REQUEST, "total_amount");
    CHECK(alipay_template_create_request_set_total_amount(create, "100.00", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_template_create_request_set_notify_uri(create, "ftp://example.com", NULL) == ALIPAY_STATUS_OK);
    expect_field(alipay_client_create_template(client, create, &created, &error), &error,
                 ALIPAY_STATUS_INVALID_REQUEST, "notify_uri");
    CHECK(alipay_template_create_request_set_notify_uri(create, "https://example.com/notify", NULL) ==
          ALIPAY_STATUS_OK);
    CHECK(alipay_template_create_request_set_rule_conf(create, "[1]", NULL) == ALIPAY_STATUS_OK);
    expect_field(alipay_client_create_template(client, create, &created, &error), &error,
                 ALIPAY_STATUS_INVALID_REQUEST, "rule_conf");
    expect_field(alipay_template_create_request_set_amount(create, NULL, &error), &error,
                 ALIPAY_STATUS_NULL_ARGUMENT, "amount");
    CHECK(created == NULL);
    alipay_template_create_request_free(create);
    alipay_template_create_request_free(NULL);
    alipay_voucher_detail_free(NULL);
    alipay_voucher_list_free(NULL);
    alipay_template_detail_free(NULL);
    alipay_points_balance_free(NULL);
    alipay_template_create_result_free(NULL);
}

/* A client from the environment with one setting replaced: the Alipay public key or the app's private key. */
static alipay_client *client_with_key(const char *alipay_public_key_file, const char *private_key_file) {
    alipay_client_builder *builder = builder_from_env();
    alipay_client *client = NULL;
    alipay_error *error = NULL;
    CHECK(alipay_client_builder_set_max_attempts(builder, 1, NULL) == ALIPAY_STATUS_OK);
    if (alipay_public_key_file != NULL) {
        CHECK(alipay_client_builder_set_alipay_public_key_file(builder, alipay_public_key_file, NULL) ==
              ALIPAY_STATUS_OK);
    }
    if (private_key_file != NULL) {
        CHECK(alipay_client_builder_set_private_key_file(builder, private_key_file, NULL) == ALIPAY_STATUS_OK);
    }
    CHECK_STATUS(alipay_client_builder_build(builder, &client, &error), ALIPAY_STATUS_OK, error);
    alipay_client_builder_free(builder);
    if (client == NULL) {
        exit(finish("client_with_key"));
    }
    return client;
}

/* Signature failures both ways: answers signed by another key, and requests the gateway cannot verify. */
static void case_signature(void) {
    alipay_client *client = client_with_key(require_env("ALIPAY_TEST_WRONG_PUBLIC_KEY_FILE"), NULL);
    alipay_template_detail *template = NULL;
    alipay_points_balance *balance = NULL;
    alipay_voucher_list_query_request *list_request = alipay_voucher_list_query_request_new();
    alipay_voucher_list *list = NULL;
    alipay_template_create_request *create;
    alipay_template_create_result *created = NULL;
    alipay_error *error = NULL;

    CHECK_STATUS(alipay_client_query_template(client, "TPL-FIXED-10", &template, &error), ALIPAY_STATUS_SIGNATURE,
                 error);
    CHECK(template == NULL);
    CHECK(error != NULL && alipay_error_status(error) == ALIPAY_STATUS_SIGNATURE);
    alipay_error_free(error);
    error = NULL;
    CHECK_STATUS(alipay_client_query_points(client, STAMP_CARD, USER, &balance, &error), ALIPAY_STATUS_SIGNATURE,
                 error);
    CHECK(balance == NULL);
    alipay_error_free(error);
    error = NULL;
    /* The gateway created the template; the client refused to trust the answer. */
    create = fixed_template("c-sig-tpl-0001", 5);
    CHECK_STATUS(alipay_client_create_template(client, create, &created, &error), ALIPAY_STATUS_SIGNATURE, error);
    CHECK(created == NULL);
    CHECK(alipay_error_outcome_unknown(error));
    CHECK_STR(alipay_error_idempotency_key(error), "c-sig-tpl-0001");
    alipay_error_free(error);
    error = NULL;
    alipay_template_create_request_free(create);
    alipay_client_free(client);

    client = client_with_key(NULL, require_env("ALIPAY_TEST_STRANGER_PRIVATE_KEY_FILE"));
    CHECK(alipay_voucher_list_query_request_set_template_id(list_request, "TPL-FIXED-10", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_voucher_list_query_request_set_user_id(list_request, USER, NULL) == ALIPAY_STATUS_OK);
    CHECK_STATUS(alipay_client_list_vouchers(client, list_request, &list, &error), ALIPAY_STATUS_GATEWAY, error);
    CHECK(list == NULL);
    CHECK(error != NULL);
    if (error != NULL) {
        CHECK_STR(alipay_error_sub_code(error), "isv.invalid-signature");
        CHECK(alipay_error_likely_cause(error) != NULL);
        printf("stranger_sub_code=%s\n", alipay_error_sub_code(error));
    }
    alipay_error_free(error);
    alipay_voucher_list_query_request_free(list_request);
    alipay_client_free(client);
}

/* A template created, checked by the preflight, used, expired by the harness, then refused naming the reason. */
static void case_preflight(alipay_client *client) {
    alipay_template_create_request *create = fixed_template("c-preflight-0001", 3);
    alipay_template_detail *template = NULL;
    alipay_voucher_send_request *send;
    alipay_voucher_send_result *sent = NULL;
    alipay_voucher_detail *detail = NULL;
    alipay_voucher_settlement *settlement = NULL;
    alipay_error *error = NULL;
    char *id = create_template(client, create);
    char other_user[32];
    uint64_t n = 0;

    if (id == NULL) {
        alipay_template_create_request_free(create);
        return;
    }
    printf("template_id=%s\n", id);

    CHECK_STATUS(alipay_client_check_template(client, id, 3, &template, &error), ALIPAY_STATUS_OK, error);
    CHECK_STR(alipay_template_detail_template_id(template), id);
    CHECK_STR(alipay_template_detail_status(template), "S");
    CHECK(alipay_template_detail_remaining(template, &n) && n == 3);
    alipay_template_detail_free(template);
    template = NULL;

    CHECK_STATUS(alipay_client_check_template(client, id, 4, &template, &error), ALIPAY_STATUS_INVALID_REQUEST,
                 error);
    CHECK(template == NULL);
    CHECK_STR(alipay_error_field(error), "template_id");
    CHECK(strstr(alipay_error_message(error), "not enough stock: 3 voucher(s) left of 3") != NULL);
    alipay_error_free(error);
    error = NULL;

    send = voucher_request(id, "c-preflight-order-1", USER);
    CHECK_STATUS(alipay_client_send_voucher(client, send, &sent, &error), ALIPAY_STATUS_OK, error);
    CHECK_STATUS(alipay_client_query_voucher(client, alipay_voucher_send_result_voucher_id(sent), &detail, &error),
                 ALIPAY_STATUS_OK, error);
    CHECK_STR(alipay_voucher_detail_template_id(detail), id);
    printf("voucher c-preflight-order-1=%s\n", alipay_voucher_send_result_voucher_id(sent));
    alipay_voucher_detail_free(detail);
    alipay_voucher_send_result_free(sent);
    alipay_voucher_send_request_free(send);
    sent = NULL;

    CHECK_STATUS(alipay_client_check_template(client, id, 2, &template, &error), ALIPAY_STATUS_OK, error);
    CHECK(alipay_template_detail_publish_count(template, &n) && n == 1);
    alipay_template_detail_free(template);
    template = NULL;

    await_step("expire");

    CHECK_STATUS(alipay_client_check_template(client, id, 1, &template, &error), ALIPAY_STATUS_INVALID_REQUEST,
                 error);
    CHECK(template == NULL);
    if (error != NULL) {
        CHECK_STR(alipay_error_field(error), "template_id");
        CHECK(strstr(alipay_error_message(error), "is expired (status E); create a new template") != NULL);
        printf("refusal=%s\n", alipay_error_message(error));
    }
    alipay_error_free(error);
    error = NULL;

    /* A send refused by the gateway, then settled: certain NOT_SENT (the user holds no voucher of it). */
    scale_user(other_user, sizeof other_user, 0);
    send = voucher_request(id, "c-preflight-order-2", other_user);
    CHECK_STATUS(alipay_client_send_voucher(client, send, &sent, &error), ALIPAY_STATUS_GATEWAY, error);
    CHECK_STR(alipay_error_sub_code(error), "TEMPLATE_EXPIRED");
    CHECK_STATUS(alipay_client_settle_voucher_after(client, send, error, &settlement, NULL), ALIPAY_STATUS_OK, NULL);
    CHECK(alipay_voucher_settlement_status(settlement) == ALIPAY_SETTLEMENT_STATUS_NOT_SENT);
    CHECK(alipay_voucher_settlement_result(settlement) == NULL);
    CHECK_STR(alipay_error_sub_code(alipay_voucher_settlement_error(settlement)), "TEMPLATE_EXPIRED");
    printf("expired_send_settled=%s\n", alipay_settlement_status_name(alipay_voucher_settlement_status(settlement)));
    alipay_voucher_settlement_free(settlement);
    alipay_error_free(error);
    alipay_voucher_send_request_free(send);

    free(id);
    alipay_template_create_request_free(create);
}

/* How many times a settlement is retried while it stays unknown. */
#define ROUNDS 5

/* Settles a voucher send until it is no longer unknown (at most ROUNDS times), starting from its error. */
static alipay_voucher_settlement *settle_voucher(alipay_client *client, const alipay_voucher_send_request *request,
                                                const alipay_error *previous) {
    alipay_voucher_settlement *settlement = NULL;
    alipay_error *error = NULL;
    int round;
    CHECK_STATUS(alipay_client_settle_voucher_after(client, request, previous, &settlement, &error),
                 ALIPAY_STATUS_OK, error);
    for (round = 1; round < ROUNDS && alipay_voucher_settlement_status(settlement) ==
                                          ALIPAY_SETTLEMENT_STATUS_STILL_UNKNOWN; round++) {
        alipay_voucher_settlement *next = NULL;
        CHECK_STATUS(alipay_client_settle_voucher_after(client, request, alipay_voucher_settlement_error(settlement),
                                                        &next, &error),
                     ALIPAY_STATUS_OK, error);
        alipay_voucher_settlement_free(settlement);
        settlement = next;
    }
    return settlement;
}

/* Settles a points update (with or without its error) until it is no longer unknown. */
static alipay_points_settlement *settle_points(alipay_client *client, const alipay_points_update_request *request,
                                              const alipay_error *previous) {
    alipay_points_settlement *settlement = NULL;
    alipay_error *error = NULL;
    int round;
    if (previous != NULL) {
        CHECK_STATUS(alipay_client_settle_points_after(client, request, previous, &settlement, &error),
                     ALIPAY_STATUS_OK, error);
    } else {
        CHECK_STATUS(alipay_client_settle_points(client, request, &settlement, &error), ALIPAY_STATUS_OK, error);
    }
    for (round = 1; round < ROUNDS && alipay_points_settlement_status(settlement) ==
                                          ALIPAY_SETTLEMENT_STATUS_STILL_UNKNOWN; round++) {
        alipay_points_settlement *next = NULL;
        CHECK_STATUS(alipay_client_settle_points(client, request, &next, &error), ALIPAY_STATUS_OK, error);
        alipay_points_settlement_free(settlement);
        settlement = next;
    }
    return settlement;
}

/*
 * Settling under "applied, answer lost": the harness loses every answer of the first sends, deposits and the
 * invite award after their effect; at `await settle` it swaps in faults on a share of the settling calls. Every
 * one must settle as SENT with what the sandbox recorded.
 */
static void case_settle(int vouchers, int deposits) {
    alipay_client *client = client_from_env();
    alipay_call_options *once = alipay_call_options_new();
    alipay_voucher_send_request **sends = (alipay_voucher_send_request **)calloc((size_t)vouchers, sizeof *sends);
    alipay_error **send_errors = (alipay_error **)calloc((size_t)vouchers, sizeof *send_errors);
    alipay_points_update_request **updates =
        (alipay_points_update_request **)calloc((size_t)deposits, sizeof *updates);
    alipay_error **update_errors = (alipay_error **)calloc((size_t)deposits, sizeof *update_errors);
    alipay_invite_award_request *invite = alipay_invite_award_request_new();
    alipay_invite_award_result *awarded = NULL;
    alipay_error *invite_error = NULL;
    alipay_invite_settlement *invite_settlement = NULL;
    alipay_voucher_settlement *mismatch = NULL;
    alipay_error *error = NULL;
    char key[64], user[32], biz_no[64];
    int i, sent_vouchers = 0, sent_deposits = 0;

    /* One attempt per call, so each lost answer reaches C. */
    CHECK(alipay_call_options_set_retry_policy(once, 1, 0, 0, NULL) == ALIPAY_STATUS_OK);
    for (i = 0; i < vouchers; i++) {
        alipay_voucher_send_result *result = NULL;
        snprintf(key, sizeof key, "c-settle-%d", i);
        scale_user(user, sizeof user, i);
        sends[i] = voucher_request("TPL-FIXED-10", key, user);
        CHECK(alipay_client_send_voucher_with_options(client, sends[i], once, &result, &send_errors[i]) !=
              ALIPAY_STATUS_OK);
        CHECK(result == NULL);
        CHECK(alipay_error_outcome_unknown(send_errors[i]));
        CHECK_STR(alipay_error_idempotency_key(send_errors[i]), key);
    }
    for (i = 0; i < deposits; i++) {
        alipay_points_update_result *result = NULL;
        snprintf(key, sizeof key, "c-dep-%d", i);
        snprintf(biz_no, sizeof biz_no, "c-trade-%d", i);
        scale_user(user, sizeof user, i);
        updates[i] = alipay_points_update_request_new();
        CHECK(alipay_points_update_request_set_req_id(updates[i], key, NULL) == ALIPAY_STATUS_OK);
        CHECK(alipay_points_update_request_set_user_id(updates[i], user, NULL) == ALIPAY_STATUS_OK);
        CHECK(alipay_points_update_request_set_activity_account(updates[i], STAMP_CARD, NULL) == ALIPAY_STATUS_OK);
        CHECK(alipay_points_update_request_set_trans_type(updates[i], "DEPOSIT", NULL) == ALIPAY_STATUS_OK);
        CHECK(alipay_points_update_request_set_trans_amount(updates[i], 1 + (uint64_t)(i % 7), NULL) ==
              ALIPAY_STATUS_OK);
        CHECK(alipay_points_update_request_set_biz_no(updates[i], biz_no, NULL) == ALIPAY_STATUS_OK);
        CHECK(alipay_client_update_points_with_options(client, updates[i], once, &result, &update_errors[i]) !=
              ALIPAY_STATUS_OK);
        CHECK(result == NULL);
        CHECK(alipay_error_outcome_unknown(update_errors[i]));
    }
    /* An invite award without out_biz_no: the library generated the key, and the error carries it. */
    CHECK(alipay_invite_award_request_set_mobile(invite, "13912340077", NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_receive_invite_award_with_options(client, invite, once, &awarded, &invite_error) !=
          ALIPAY_STATUS_OK);
    CHECK(alipay_error_outcome_unknown(invite_error));
    CHECK(alipay_error_idempotency_key(invite_error) != NULL);

    await_step("settle");

    /* The plain settle of the invite cannot know the generated key: still unknown, naming out_biz_no. */
    CHECK_STATUS(alipay_client_settle_invite(client, invite, &invite_settlement, &error), ALIPAY_STATUS_OK, error);
    CHECK(alipay_invite_settlement_status(invite_settlement) == ALIPAY_SETTLEMENT_STATUS_STILL_UNKNOWN);
    CHECK(alipay_error_status(alipay_invite_settlement_error(invite_settlement)) == ALIPAY_STATUS_INVALID_REQUEST);
    CHECK_STR(alipay_error_field(alipay_invite_settlement_error(invite_settlement)), "out_biz_no");
    alipay_invite_settlement_free(invite_settlement);
    invite_settlement = NULL;
    for (i = 0; i < ROUNDS; i++) {
        alipay_invite_settlement *next = NULL;
        CHECK_STATUS(alipay_client_settle_invite_after(
                         client, invite, invite_settlement ? alipay_invite_settlement_error(invite_settlement)
                                                           : invite_error,
                         &next, &error),
                     ALIPAY_STATUS_OK, error);
        alipay_invite_settlement_free(invite_settlement);
        invite_settlement = next;
        if (alipay_invite_settlement_status(invite_settlement) != ALIPAY_SETTLEMENT_STATUS_STILL_UNKNOWN) {
            break;
        }
    }
    CHECK(alipay_invite_settlement_status(invite_settlement) == ALIPAY_SETTLEMENT_STATUS_SENT);
    CHECK(alipay_invite_settlement_error(invite_settlement) == NULL);
    CHECK_STR(alipay_invite_award_result_biz_result_code(alipay_invite_settlement_result(invite_settlement)),
              "NEW_AWARD_SUCESS");
    printf("settled_invite=%s\n",
           alipay_invite_award_result_biz_result_code(alipay_invite_settlement_result(invite_settlement)));
    alipay_invite_settlement_free(invite_settlement);

    /* The error of another send is refused, naming the key, and nothing is sent. */
    if (vouchers >= 2) {
        CHECK_STATUS(alipay_client_settle_voucher_after(client, sends[0], send_errors[1], &mismatch, &error),
                     ALIPAY_STATUS_OK, error);
        CHECK(alipay_voucher_settlement_status(mismatch) == ALIPAY_SETTLEMENT_STATUS_STILL_UNKNOWN);
        CHECK_STR(alipay_error_field(alipay_voucher_settlement_error(mismatch)), "out_biz_no");
        alipay_voucher_settlement_free(mismatch);
    }

    for (i = 0; i < vouchers; i++) {
        alipay_voucher_settlement *settlement = settle_voucher(client, sends[i], send_errors[i]);
        const alipay_voucher_send_result *result = alipay_voucher_settlement_result(settlement);
        CHECK(alipay_voucher_settlement_status(settlement) == ALIPAY_SETTLEMENT_STATUS_SENT);
        if (result != NULL) {
            CHECK(alipay_voucher_settlement_error(settlement) == NULL);
            printf("settled_voucher c-settle-%d=%s\n", i, alipay_voucher_send_result_voucher_id(result));
            sent_vouchers++;
        } else {
            fprintf(stderr, "c-settle-%d: %s\n", i,
                    alipay_error_message(alipay_voucher_settlement_error(settlement)));
        }
        alipay_voucher_settlement_free(settlement);
    }
    for (i = 0; i < deposits; i++) {
        /* Half settle from the error, half from the request alone: the same answer. */
        alipay_points_settlement *settlement =
            settle_points(client, updates[i], i % 2 == 0 ? update_errors[i] : NULL);
        const alipay_points_update_result *result = alipay_points_settlement_result(settlement);
        CHECK(alipay_points_settlement_status(settlement) == ALIPAY_SETTLEMENT_STATUS_SENT);
        if (result != NULL) {
            printf("settled_points c-dep-%d=%s\n", i, alipay_points_update_result_point_log_no(result));
            sent_deposits++;
        } else {
            fprintf(stderr, "c-dep-%d: %s\n", i, alipay_error_message(alipay_points_settlement_error(settlement)));
        }
        alipay_points_settlement_free(settlement);
    }
    printf("sent_vouchers=%d\n", sent_vouchers);
    printf("sent_deposits=%d\n", sent_deposits);

    /* The C contract: NULL arguments are statuses naming the argument; NULL settlements answer neutral values. */
    mismatch = NULL;
    error = NULL;
    CHECK_STATUS(alipay_client_settle_voucher(client, NULL, &mismatch, &error), ALIPAY_STATUS_NULL_ARGUMENT, error);
    CHECK_STR(alipay_error_field(error), "request");
    alipay_error_free(error);
    error = NULL;
    if (vouchers >= 1) {
        CHECK_STATUS(alipay_client_settle_voucher_after(client, sends[0], NULL, &mismatch, &error),
                     ALIPAY_STATUS_NULL_ARGUMENT, error);
        CHECK_STR(alipay_error_field(error), "previous_error");
        alipay_error_free(error);
        error = NULL;
    }
    CHECK(mismatch == NULL);
    CHECK(alipay_voucher_settlement_status(NULL) == ALIPAY_SETTLEMENT_STATUS_STILL_UNKNOWN);
    CHECK(alipay_points_settlement_result(NULL) == NULL);
    CHECK(alipay_invite_settlement_error(NULL) == NULL);
    CHECK_STR(alipay_settlement_status_name(ALIPAY_SETTLEMENT_STATUS_SENT), "ALIPAY_SETTLEMENT_STATUS_SENT");
    CHECK_STR(alipay_settlement_status_name(ALIPAY_SETTLEMENT_STATUS_STILL_UNKNOWN),
              "ALIPAY_SETTLEMENT_STATUS_STILL_UNKNOWN");
    CHECK(alipay_settlement_status_name(77) == NULL);
    alipay_voucher_settlement_free(NULL);
    alipay_points_settlement_free(NULL);
    alipay_invite_settlement_free(NULL);

    for (i = 0; i < vouchers; i++) {
        alipay_voucher_send_request_free(sends[i]);
        alipay_error_free(send_errors[i]);
    }
    for (i = 0; i < deposits; i++) {
        alipay_points_update_request_free(updates[i]);
        alipay_error_free(update_errors[i]);
    }
    free(sends);
    free(send_errors);
    free(updates);
    free(update_errors);
    alipay_error_free(invite_error);
    alipay_invite_award_request_free(invite);
    alipay_call_options_free(once);
    alipay_client_free(client);
}

int main(int argc, char **argv) {
    alipay_client *client;
    const char *name = argc > 1 ? argv[1] : "";

    if (strcmp(name, "signature") == 0) {
        case_signature();
        return finish(name);
    }
    if (strcmp(name, "settle") == 0) {
        int vouchers = argc > 2 ? atoi(argv[2]) : 0;
        int deposits = argc > 3 ? atoi(argv[3]) : 0;
        if (vouchers < 0 || deposits < 0) {
            fprintf(stderr, "usage: %s settle VOUCHERS DEPOSITS\n", argv[0]);
            return 2;
        }
        case_settle(vouchers, deposits);
        return finish(name);
    }
    client = client_from_env();
    if (strcmp(name, "calls") == 0) {
        case_calls(client);
    } else if (strcmp(name, "bad_input") == 0) {
        case_bad_input(client);
    } else if (strcmp(name, "preflight") == 0) {
        case_preflight(client);
    } else {
        fprintf(stderr, "usage: %s calls|bad_input|signature|preflight|settle VOUCHERS DEPOSITS\n", argv[0]);
        alipay_client_free(client);
        return 2;
    }
    alipay_client_free(client);
    return finish(name);
}
