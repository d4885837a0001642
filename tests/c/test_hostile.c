/*
 * Hostile files, answers and processes, from C, one case per run (the harness arms the sandbox's faults before
 * each and checks its state after):
 *
 *   test_hostile key_files | unsigned | forged | incomplete | tls | fork
 *
 * Output lines `voucher OUT_BIZ_NO VOUCHER_ID` list the vouchers received; `stat_NAME=VALUE` lines a client's
 * counters. Extra environment: ALIPAY_TEST_FIFO_FILE (a FIFO nobody writes to), ALIPAY_TEST_BIG_KEY_FILE (a
 * 2 MiB file), ALIPAY_TEST_TLS_URL (an https:// URL of a port that speaks plain HTTP).
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

static const char *USER = "2088000000000001";

static alipay_voucher_send_request *voucher_request(const char *template_id, const char *out_biz_no) {
    alipay_voucher_send_request *request = alipay_voucher_send_request_new();
    CHECK(alipay_voucher_send_request_set_template_id(request, template_id, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_voucher_send_request_set_out_biz_no(request, out_biz_no, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_voucher_send_request_set_user_id(request, USER, NULL) == ALIPAY_STATUS_OK);
    return request;
}

/* A client from the environment making one attempt per call, so each armed fault reaches C. */
static alipay_client *single_attempt_client(void) {
    alipay_client_builder *builder = builder_from_env();
    CHECK(alipay_client_builder_set_max_attempts(builder, 1, NULL) == ALIPAY_STATUS_OK);
    return build(builder);
}

/* Sends one voucher; on success prints it. Returns the status, the error (if any) in `*error_out`. */
static alipay_status send_one(alipay_client *client, const char *template_id, const char *out_biz_no,
                              alipay_error **error_out) {
    alipay_voucher_send_request *request = voucher_request(template_id, out_biz_no);
    alipay_voucher_send_result *result = NULL;
    alipay_status status = alipay_client_send_voucher(client, request, &result, error_out);
    if (status == ALIPAY_STATUS_OK) {
        printf("voucher %s %s\n", out_biz_no, alipay_voucher_send_result_voucher_id(result));
    }
    alipay_voucher_send_result_free(result);
    alipay_voucher_send_request_free(request);
    return status;
}

static int contains(const char *text, const char *part) {
    return text != NULL && strstr(text, part) != NULL;
}

static void print_stats(const alipay_client *client) {
    alipay_stats s = stats_of(client);
    printf("stat_calls=%llu\nstat_attempts=%llu\nstat_successes=%llu\nstat_failed=%llu\nstat_failed_decode=%llu\n"
           "stat_failed_config=%llu\n",
           (unsigned long long)s.calls, (unsigned long long)s.attempts, (unsigned long long)s.successes,
           (unsigned long long)s.failed, (unsigned long long)s.failed_decode, (unsigned long long)s.failed_config);
}

/* Builds a client whose key file option `setter` points at `path`; expects ALIPAY_STATUS_CONFIG naming `field`,
 * the path and `reason`. */
static void check_key_file_refused(alipay_status (*setter)(alipay_client_builder *, const char *, alipay_error **),
                                   const char *path, const char *field, const char *reason) {
    alipay_client_builder *builder = builder_from_env();
    alipay_client *client = NULL;
    alipay_error *error = NULL;
    CHECK(setter(builder, path, NULL) == ALIPAY_STATUS_OK);
    CHECK_STATUS(alipay_client_builder_build(builder, &client, &error), ALIPAY_STATUS_CONFIG, error);
    CHECK(client == NULL);
    CHECK_STR(alipay_error_field(error), field);
    CHECK(contains(alipay_error_message(error), path));
    CHECK(contains(alipay_error_message(error), field));
    CHECK(contains(alipay_error_message(error), reason));
    CHECK(!alipay_error_is_retryable(error));
    printf("%s_error=%s\n", field, alipay_error_message(error) ? alipay_error_message(error) : "");
    alipay_error_free(error);
    alipay_client_free(client);
    alipay_client_builder_free(builder);
}

/* Key files are read bounded and only when regular: /dev/zero is refused without reading it, a FIFO instead of
 * blocking the build until a writer comes, a 2 MiB file for its size. Then the same builder options with the
 * real files build. */
static void case_key_files(void) {
    check_key_file_refused(alipay_client_builder_set_private_key_file, "/dev/zero", "private_key",
                           "not a regular file");
    check_key_file_refused(alipay_client_builder_set_alipay_public_key_file, require_env("ALIPAY_TEST_FIFO_FILE"),
                           "alipay_public_key", "not a regular file");
    check_key_file_refused(alipay_client_builder_set_private_key_file, require_env("ALIPAY_TEST_BIG_KEY_FILE"),
                           "private_key", "larger than");
    check_key_file_refused(alipay_client_builder_add_root_certificates_file, require_env("ALIPAY_TEST_BIG_KEY_FILE"),
                           "root_certificates", "larger than");
    alipay_client_free(build(builder_from_env()));
}

/* The harness makes the gateway answer this refusal without its signature: an unverified gateway error, the
 * outcome unknown, safe to resend with the same key. */
static void case_unsigned(void) {
    alipay_client *client = single_attempt_client();
    alipay_error *error = NULL;
    CHECK_STATUS(send_one(client, "TPL-NO-SUCH", "c-unsigned-0001", &error), ALIPAY_STATUS_GATEWAY, error);
    CHECK(error != NULL);
    CHECK(alipay_error_outcome_unknown(error));
    CHECK(alipay_error_request_may_have_been_sent(error));
    CHECK(alipay_error_is_retryable(error));
    CHECK_STR(alipay_error_idempotency_key(error), "c-unsigned-0001");
    CHECK(alipay_error_attempts(error) == 1);
    CHECK(contains(alipay_error_message(error), "unsigned"));
    printf("message=%s\n", alipay_error_message(error) ? alipay_error_message(error) : "");
    alipay_error_free(error);
    alipay_client_free(client);
}

/* The harness makes the gateway forge the answers of three applied calls: tampered after signing, signed by
 * another key, unsigned. Each is a signature error with the outcome unknown and the key; the same key sent again
 * gets the genuine answer, the voucher the first call created. */
static void case_forged(void) {
    static const char *keys[] = {"c-tampered-0001", "c-wrong-key-0001", "c-unsigned-ok-0001"};
    alipay_client *client = single_attempt_client();
    size_t i;
    for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        alipay_error *error = NULL;
        CHECK_STATUS(send_one(client, "TPL-FIXED-10", keys[i], &error), ALIPAY_STATUS_SIGNATURE, error);
        CHECK(alipay_error_outcome_unknown(error));
        CHECK(!alipay_error_is_retryable(error));
        CHECK_STR(alipay_error_idempotency_key(error), keys[i]);
        printf("forged_%u=%s\n", (unsigned)i, alipay_error_message(error) ? alipay_error_message(error) : "");
        alipay_error_free(error);
    }
    for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        alipay_error *error = NULL;
        CHECK_STATUS(send_one(client, "TPL-FIXED-10", keys[i], &error), ALIPAY_STATUS_OK, error);
        alipay_error_free(error);
    }
    alipay_client_free(client);
}

/* The harness makes the gateway answer a validly signed success without its fields: a decode error after a
 * verified answer, with the key to resend with and the attempts made, the outcome unknown, counted as a failure. */
static void case_incomplete(void) {
    alipay_client *client = client_from_env();
    alipay_error *error = NULL;
    alipay_stats stats;
    CHECK_STATUS(send_one(client, "TPL-FIXED-10", "c-incomplete-0001", &error), ALIPAY_STATUS_DECODE, error);
    CHECK(error != NULL);
    CHECK_STR(alipay_error_idempotency_key(error), "c-incomplete-0001");
    CHECK(alipay_error_attempts(error) >= 1);
    CHECK(alipay_error_outcome_unknown(error));
    CHECK(alipay_error_request_may_have_been_sent(error));
    CHECK(contains(alipay_error_message(error), "c-incomplete-0001"));
    CHECK(contains(alipay_error_message(error), "voucher_id"));
    printf("attempts=%u\n", (unsigned)alipay_error_attempts(error));
    printf("message=%s\n", alipay_error_message(error) ? alipay_error_message(error) : "");
    alipay_error_free(error);
    stats = stats_of(client);
    CHECK(stats.calls == 1);
    CHECK(stats.successes == 0);
    CHECK(stats.failed == 1);
    CHECK(stats.failed_decode == 1);
    CHECK(stats.in_flight == 0);
    print_stats(client);
    alipay_client_free(client);
}

/* TLS to a port that speaks plain HTTP: a transport error whose message gives the handshake's cause, not only
 * "error sending request"; nothing reached the gateway.
 *
 * SIGPIPE keeps its default action (this program does not ignore it): the TLS alert sent after the failed
 * handshake often meets a connection the server has already reset (the sandbox answers 400 and closes), and the
 * library's threads block SIGPIPE, so that is an error of the call and not the end of this program. Ten calls,
 * each a new handshake, make the race all but certain to happen. */
static void case_tls(void) {
    alipay_client_builder *builder;
    alipay_client *client;
    alipay_error *error = NULL;
    char key[32];
    int i;
    CHECK(signal(SIGPIPE, SIG_DFL) != SIG_ERR);
    builder = builder_from_env();
    CHECK(alipay_client_builder_set_max_attempts(builder, 1, NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_gateway(builder, require_env("ALIPAY_TEST_TLS_URL"), NULL) == ALIPAY_STATUS_OK);
    client = build(builder);
    for (i = 1; i <= 10; i++) {
        snprintf(key, sizeof key, "c-tls-%04d", i);
        CHECK_STATUS(send_one(client, "TPL-FIXED-10", key, &error), ALIPAY_STATUS_TRANSPORT, error);
        CHECK(contains(alipay_error_message(error), "error sending request"));
        CHECK(contains(alipay_error_message(error), "corrupt message"));
        CHECK(!alipay_error_request_may_have_been_sent(error));
        CHECK(!alipay_error_outcome_unknown(error));
        if (i == 1) {
            printf("message=%s\n", alipay_error_message(error) ? alipay_error_message(error) : "");
        }
        alipay_error_free(error);
        error = NULL;
    }
    alipay_client_free(client);
}

/* The forked child: the parent's client fails with the clear config error and sends nothing; a client built in
 * the child works. Returns the child's exit code. */
static int fork_child(alipay_client *carried) {
    alipay_error *error = NULL;
    alipay_client *own;
    alipay_stats stats;
    CHECK_STATUS(send_one(carried, "TPL-FIXED-10", "c-fork-carried-0001", &error), ALIPAY_STATUS_CONFIG, error);
    CHECK(contains(alipay_error_message(error), "fork"));
    CHECK(contains(alipay_error_message(error), "create a new client in the child"));
    CHECK(!alipay_error_request_may_have_been_sent(error));
    printf("carried_error=%s\n", alipay_error_message(error) ? alipay_error_message(error) : "");
    alipay_error_free(error);
    stats = stats_of(carried);
    CHECK(stats.failed_config == 1);
    alipay_client_free(carried);

    own = client_from_env();
    error = NULL;
    CHECK_STATUS(send_one(own, "TPL-FIXED-10", "c-fork-child-0001", &error), ALIPAY_STATUS_OK, error);
    alipay_error_free(error);
    alipay_client_free(own);
    return finish("fork child");
}

/* One call in the parent starts the library's runtime; then fork. The parent's client still works after the
 * child is done. */
static void case_fork(void) {
    alipay_client *client = client_from_env();
    alipay_error *error = NULL;
    pid_t child;
    int status = 0;
    CHECK_STATUS(send_one(client, "TPL-FIXED-10", "c-fork-parent-0001", &error), ALIPAY_STATUS_OK, error);
    alipay_error_free(error);
    error = NULL;
    fflush(stdout);
    fflush(stderr);
    child = fork();
    if (child == 0) {
        int code = fork_child(client);
        fflush(stdout);
        fflush(stderr);
        exit(code);
    }
    CHECK(child > 0);
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    printf("child_exit=%d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    CHECK_STATUS(send_one(client, "TPL-FIXED-10", "c-fork-parent-0002", &error), ALIPAY_STATUS_OK, error);
    alipay_error_free(error);
    alipay_client_free(client);
}

int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "";
    if (strcmp(name, "key_files") == 0) {
        case_key_files();
    } else if (strcmp(name, "unsigned") == 0) {
        case_unsigned();
    } else if (strcmp(name, "forged") == 0) {
        case_forged();
    } else if (strcmp(name, "incomplete") == 0) {
        case_incomplete();
    } else if (strcmp(name, "tls") == 0) {
        case_tls();
    } else if (strcmp(name, "fork") == 0) {
        case_fork();
    } else {
        fprintf(stderr, "unknown case %s\n", name);
        return 2;
    }
    return finish(name);
}
