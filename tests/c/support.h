/*
 * Shared helpers of the C test programs: checks that count failures, environment lookups, and a client built
 * from the variables the test harness (or the sandbox's env file) sets:
 *
 *   ALIPAY_GATEWAY_URL, ALIPAY_APP_ID, ALIPAY_APP_PRIVATE_KEY_FILE, ALIPAY_PUBLIC_KEY_FILE
 */
#ifndef ALIPAY_TEST_SUPPORT_H
#define ALIPAY_TEST_SUPPORT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alipay_marketing.h"

static int support_checks = 0;
static int support_failures = 0;

#define CHECK(cond)                                                                                  \
    do {                                                                                             \
        support_checks++;                                                                            \
        if (!(cond)) {                                                                               \
            support_failures++;                                                                      \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                 \
        }                                                                                            \
    } while (0)

/* Compares two C strings, either of which may be NULL. */
static inline int str_eq(const char *a, const char *b) {
    if (a == NULL || b == NULL) {
        return a == b;
    }
    return strcmp(a, b) == 0;
}

#define CHECK_STR(actual, expected)                                                                  \
    do {                                                                                             \
        const char *check_actual_ = (actual);                                                        \
        const char *check_expected_ = (expected);                                                    \
        support_checks++;                                                                            \
        if (!str_eq(check_actual_, check_expected_)) {                                               \
            support_failures++;                                                                      \
            fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #actual,   \
                    check_actual_ ? check_actual_ : "(null)",                                        \
                    check_expected_ ? check_expected_ : "(null)");                                   \
        }                                                                                            \
    } while (0)

/* Checks a status, printing the error's message when it is not the expected one. */
#define CHECK_STATUS(status, expected, error)                                                        \
    do {                                                                                             \
        alipay_status check_status_ = (status);                                                      \
        support_checks++;                                                                            \
        if (check_status_ != (expected)) {                                                           \
            support_failures++;                                                                      \
            fprintf(stderr, "%s:%d: status %s, expected %s (%s)\n", __FILE__, __LINE__,              \
                    alipay_status_name(check_status_), alipay_status_name(expected),                 \
                    (error) ? alipay_error_message(error) : "no error object");                     \
        }                                                                                            \
    } while (0)

/* A required environment variable; exits with a message when it is missing. */
static inline const char *require_env(const char *name) {
    const char *value = getenv(name);
    if (value == NULL || value[0] == '\0') {
        fprintf(stderr, "environment variable %s is not set\n", name);
        exit(2);
    }
    return value;
}

/* Reads a whole file into a new NUL-terminated buffer (free it), or exits. */
static inline char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    char *text;
    long size;
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = (char *)malloc((size_t)size + 1);
    if (text == NULL || fread(text, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    text[size] = '\0';
    fclose(f);
    return text;
}

/* A builder configured from the environment; the caller frees it. */
static inline alipay_client_builder *builder_from_env(void) {
    alipay_client_builder *builder = alipay_client_builder_new();
    CHECK(builder != NULL);
    CHECK(alipay_client_builder_set_app_id(builder, require_env("ALIPAY_APP_ID"), NULL) == ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_private_key_file(builder, require_env("ALIPAY_APP_PRIVATE_KEY_FILE"), NULL) ==
          ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_alipay_public_key_file(builder, require_env("ALIPAY_PUBLIC_KEY_FILE"), NULL) ==
          ALIPAY_STATUS_OK);
    CHECK(alipay_client_builder_set_gateway(builder, require_env("ALIPAY_GATEWAY_URL"), NULL) == ALIPAY_STATUS_OK);
    /* Generous: under valgrind every signature costs tens of milliseconds. */
    CHECK(alipay_client_builder_set_timeout_ms(builder, 120000, NULL) == ALIPAY_STATUS_OK);
    return builder;
}

/* A client configured from the environment, or exits. */
static inline alipay_client *client_from_env(void) {
    alipay_client_builder *builder = builder_from_env();
    alipay_client *client = NULL;
    alipay_error *error = NULL;
    alipay_status status = alipay_client_builder_build(builder, &client, &error);
    alipay_client_builder_free(builder);
    if (status != ALIPAY_STATUS_OK) {
        fprintf(stderr, "cannot build the client: %s\n", alipay_error_message(error));
        alipay_error_free(error);
        exit(2);
    }
    return client;
}

/* Prints the summary line and returns the process exit code. */
static inline int finish(const char *name) {
    printf("%s: %d checks, %d failed\n", name, support_checks, support_failures);
    return support_failures == 0 ? 0 : 1;
}

/* Builds a client from `builder` (which it frees), or exits. */
static inline alipay_client *build(alipay_client_builder *builder) {
    alipay_client *client = NULL;
    alipay_error *error = NULL;
    CHECK_STATUS(alipay_client_builder_build(builder, &client, &error), ALIPAY_STATUS_OK, error);
    alipay_error_free(error);
    alipay_client_builder_free(builder);
    if (client == NULL) {
        exit(finish("build"));
    }
    return client;
}

/* A snapshot of the client's counters (every field 0xff… first, so a field left unset shows). */
static inline alipay_stats stats_of(const alipay_client *client) {
    alipay_stats stats;
    alipay_error *error = NULL;
    memset(&stats, 0xff, sizeof stats);
    CHECK_STATUS(alipay_client_stats(client, &stats, &error), ALIPAY_STATUS_OK, error);
    alipay_error_free(error);
    return stats;
}

#endif
