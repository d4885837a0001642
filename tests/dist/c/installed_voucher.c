/*
 * A user's first program against an installed alipay-marketing C library: it checks that the library it loaded is
 * the version its header describes, then sends one voucher to the gateway named by the environment (the sandbox's
 * env file sets ALIPAY_GATEWAY_URL, ALIPAY_APP_ID, ALIPAY_APP_PRIVATE_KEY_FILE and ALIPAY_PUBLIC_KEY_FILE).
 *
 * tests/dist/c_install.sh builds it with pkg-config and with CMake, shared and static, and runs each build.
 * Usage: installed_voucher OUT_BIZ_NO
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <alipay_marketing.h>

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define HEADER_VERSION \
    STRINGIFY(ALIPAY_VERSION_MAJOR) "." STRINGIFY(ALIPAY_VERSION_MINOR) "." STRINGIFY(ALIPAY_VERSION_PATCH)

static const char *env(const char *name) {
    const char *value = getenv(name);
    if (value == NULL || value[0] == '\0') {
        fprintf(stderr, "installed_voucher: %s is not set (source the sandbox's env file)\n", name);
        exit(2);
    }
    return value;
}

static int fail(const char *what, alipay_status status, alipay_error *error) {
    fprintf(stderr, "installed_voucher: %s failed: %s: %s\n", what, alipay_status_name(status),
            error != NULL ? alipay_error_message(error) : "(no error object)");
    alipay_error_free(error);
    return 1;
}

int main(int argc, char **argv) {
    alipay_client_builder *builder;
    alipay_client *client = NULL;
    alipay_voucher_send_request *request;
    alipay_voucher_send_result *sent = NULL;
    alipay_error *error = NULL;
    alipay_status status;

    if (argc != 2) {
        fprintf(stderr, "usage: installed_voucher OUT_BIZ_NO\n");
        return 2;
    }
    /* The library loaded at run time must be the one the header was installed with. */
    if (strcmp(alipay_version(), HEADER_VERSION) != 0) {
        fprintf(stderr, "installed_voucher: header %s but library %s\n", HEADER_VERSION, alipay_version());
        return 1;
    }

    builder = alipay_client_builder_new();
    if (builder == NULL) {
        fprintf(stderr, "installed_voucher: out of memory\n");
        return 1;
    }
    alipay_client_builder_set_app_id(builder, env("ALIPAY_APP_ID"), NULL);
    alipay_client_builder_set_private_key_file(builder, env("ALIPAY_APP_PRIVATE_KEY_FILE"), NULL);
    alipay_client_builder_set_alipay_public_key_file(builder, env("ALIPAY_PUBLIC_KEY_FILE"), NULL);
    alipay_client_builder_set_gateway(builder, env("ALIPAY_GATEWAY_URL"), NULL);
    status = alipay_client_builder_build(builder, &client, &error);
    alipay_client_builder_free(builder);
    if (status != ALIPAY_STATUS_OK) {
        return fail("building the client", status, error);
    }

    request = alipay_voucher_send_request_new();
    alipay_voucher_send_request_set_template_id(request, "TPL-FIXED-10", NULL);
    alipay_voucher_send_request_set_out_biz_no(request, argv[1], NULL);
    alipay_voucher_send_request_set_user_id(request, "2088000000000001", NULL);
    status = alipay_client_send_voucher(client, request, &sent, &error);
    alipay_voucher_send_request_free(request);
    if (status != ALIPAY_STATUS_OK) {
        alipay_client_free(client);
        return fail("sending the voucher", status, error);
    }
    printf("library %s sent voucher %s\n", alipay_version(), alipay_voucher_send_result_voucher_id(sent));
    alipay_voucher_send_result_free(sent);
    alipay_client_free(client);
    return 0;
}
