/*
 * A point-of-sale checkout with the alipay-marketing C API:
 *
 *   1. the customer pays 68.00 yuan: deposit 6 stamp-card points for the purchase (1 point per 10 yuan);
 *   2. the customer redeems 20 points for a coffee: FREEZE them while the drink is made, then COMMIT the freeze;
 *   3. send a thank-you voucher.
 *
 * Configuration comes from the environment (the sandbox's env file sets all four):
 *   ALIPAY_GATEWAY_URL, ALIPAY_APP_ID, ALIPAY_APP_PRIVATE_KEY_FILE, ALIPAY_PUBLIC_KEY_FILE
 *
 * Build (shared), from the repository root:
 *   cc -std=c99 examples/c/pos_checkout.c -Iinclude -Ltarget/release -lalipay_marketing -o pos_checkout
 * or `make demo-c`, which links the static library and runs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alipay_marketing.h"

#define CUSTOMER "2088000000000001"
#define STAMP_CARD "STAMP-CARD-01"

static const char *env(const char *name) {
    const char *value = getenv(name);
    if (value == NULL || value[0] == '\0') {
        fprintf(stderr, "pos_checkout: set %s (source the sandbox's env file)\n", name);
        exit(2);
    }
    return value;
}

/* Prints a failed call; returns whether the same request may simply be sent again. */
static int report(const char *what, alipay_status status, alipay_error *error) {
    int retry = alipay_error_is_retryable(error);
    fprintf(stderr, "%s failed: %s: %s\n", what, alipay_status_name(status), alipay_error_message(error));
    if (alipay_error_sub_code(error) != NULL) {
        fprintf(stderr, "  gateway %s / %s (trace %s)\n", alipay_error_gateway_code(error), alipay_error_sub_code(error),
                alipay_error_trace_id(error) ? alipay_error_trace_id(error) : "-");
    }
    if (alipay_error_outcome_unknown(error) && alipay_error_idempotency_key(error) != NULL) {
        /* It may have taken effect: sending the same key again later tells, without applying it twice. */
        fprintf(stderr, "  outcome unknown after %u attempt(s); send key %s again later\n", alipay_error_attempts(error),
                alipay_error_idempotency_key(error));
    }
    alipay_error_free(error);
    return retry;
}

/* One points movement; on success copies the point_log_no into `log_no`. Retries once when that is safe: the
 * request keeps its req_id, so the gateway applies it at most once. */
static int move_points(alipay_client *client, const char *req_id, const char *trans_type, uint64_t amount,
                       const char *biz_no, char *log_no, size_t log_no_size) {
    alipay_points_update_request *request = alipay_points_update_request_new();
    alipay_points_update_result *result = NULL;
    alipay_status status = ALIPAY_STATUS_OK;
    int attempt;

    if (request == NULL) {
        return 0;
    }
    alipay_points_update_request_set_req_id(request, req_id, NULL);
    alipay_points_update_request_set_user_id(request, CUSTOMER, NULL);
    alipay_points_update_request_set_activity_account(request, STAMP_CARD, NULL);
    alipay_points_update_request_set_trans_type(request, trans_type, NULL);
    alipay_points_update_request_set_trans_amount(request, amount, NULL);
    if (biz_no != NULL) {
        alipay_points_update_request_set_biz_no(request, biz_no, NULL);
    }
    for (attempt = 0; attempt < 2; attempt++) {
        alipay_error *error = NULL;
        status = alipay_client_update_points(client, request, &result, &error);
        if (status == ALIPAY_STATUS_OK || !report(trans_type, status, error)) {
            break;
        }
    }
    alipay_points_update_request_free(request);
    if (status != ALIPAY_STATUS_OK) {
        return 0;
    }
    snprintf(log_no, log_no_size, "%s", alipay_points_update_result_point_log_no(result));
    alipay_points_update_result_free(result);
    return 1;
}

int main(void) {
    alipay_client_builder *builder = alipay_client_builder_new();
    alipay_client *client = NULL;
    alipay_error *error = NULL;
    alipay_voucher_send_request *voucher = NULL;
    alipay_voucher_send_result *sent = NULL;
    alipay_stats stats;
    alipay_status status;
    char order[32], key[64], trade_no[64], deposit_log[64], freeze_log[64], commit_log[64];
    int ok = 1;

    /* Configure and build one client; a real POS keeps it for the life of the process and shares it. */
    alipay_client_builder_set_app_id(builder, env("ALIPAY_APP_ID"), NULL);
    alipay_client_builder_set_private_key_file(builder, env("ALIPAY_APP_PRIVATE_KEY_FILE"), NULL);
    alipay_client_builder_set_alipay_public_key_file(builder, env("ALIPAY_PUBLIC_KEY_FILE"), NULL);
    alipay_client_builder_set_gateway(builder, env("ALIPAY_GATEWAY_URL"), NULL);
    alipay_client_builder_set_timeout_ms(builder, 10000, NULL);
    status = alipay_client_builder_build(builder, &client, &error);
    alipay_client_builder_free(builder); /* the client does not need it; this also zeroes the key copy */
    if (status != ALIPAY_STATUS_OK) {
        report("building the client", status, error);
        return 1;
    }

    /* Idempotency keys derive from the order number: a re-run of the same order changes nothing twice. */
    snprintf(order, sizeof order, "POS%ld", (long)time(NULL));
    snprintf(trade_no, sizeof trade_no, "TRADE-%s", order);
    printf("order %s for customer %s\n", order, CUSTOMER);

    /* 1. The purchase earns points. */
    snprintf(key, sizeof key, "%s-deposit", order);
    if (move_points(client, key, "DEPOSIT", 6, trade_no, deposit_log, sizeof deposit_log)) {
        printf("  paid 68.00 yuan, +6 points          (point log %s)\n", deposit_log);
    } else {
        ok = 0;
    }

    /* 2. The redemption: freeze first, commit once the coffee is handed over (CANCEL would release it). */
    snprintf(key, sizeof key, "%s-freeze", order);
    if (ok && move_points(client, key, "FREEZE", 20, NULL, freeze_log, sizeof freeze_log)) {
        printf("  coffee redeemed, 20 points frozen   (point log %s)\n", freeze_log);
        snprintf(key, sizeof key, "%s-commit", order);
        if (move_points(client, key, "COMMIT", 20, freeze_log, commit_log, sizeof commit_log)) {
            printf("  coffee served, freeze committed     (point log %s)\n", commit_log);
        } else {
            ok = 0;
        }
    } else {
        ok = 0;
    }

    /* 3. A thank-you voucher; template_id + out_biz_no make it idempotent. */
    voucher = alipay_voucher_send_request_new();
    snprintf(key, sizeof key, "%s-thanks", order);
    alipay_voucher_send_request_set_template_id(voucher, "TPL-FIXED-10", NULL);
    alipay_voucher_send_request_set_out_biz_no(voucher, key, NULL);
    alipay_voucher_send_request_set_user_id(voucher, CUSTOMER, NULL);
    alipay_voucher_send_request_set_memo(voucher, "Thank you for your visit", NULL);
    status = alipay_client_send_voucher(client, voucher, &sent, &error);
    if (status == ALIPAY_STATUS_OK) {
        printf("  thank-you voucher sent              (voucher %s)\n", alipay_voucher_send_result_voucher_id(sent));
    } else {
        report("sending the voucher", status, error);
        ok = 0;
    }
    alipay_voucher_send_result_free(sent);
    alipay_voucher_send_request_free(voucher);

    /* Shutdown: no new calls, wait up to 5 s for any still running (none here), then free. */
    if (alipay_client_stats(client, &stats, NULL) == ALIPAY_STATUS_OK) {
        printf("  %llu calls, %llu retries, %llu failed\n", (unsigned long long)stats.calls,
               (unsigned long long)stats.retries, (unsigned long long)stats.failed);
    }
    alipay_client_close(client, 5000, NULL);
    alipay_client_free(client);
    printf(ok ? "checkout complete\n" : "checkout incomplete\n");
    return ok ? 0 : 1;
}
