// The header compiles as C++17 (g++ -std=c++17 -Wall -Wextra -Wpedantic -Werror) and links from C++ code.
// Run with the same environment as the C tests: builds a client, sends one voucher, frees everything.
#include "alipay_marketing.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>

static_assert(sizeof(alipay_status) == 4, "alipay_status is a 32-bit value");
static_assert(std::is_same<std::underlying_type<alipay_status>::type, uint32_t>::value,
              "alipay_status is backed by uint32_t in C++");
static_assert(ALIPAY_STATUS_OK == 0, "OK is zero");

namespace {

// RAII owners: each handle type with its free function.
template <typename T, void (*Free)(T *)>
struct Deleter {
    void operator()(T *p) const { Free(p); }
};
using Builder = std::unique_ptr<alipay_client_builder, Deleter<alipay_client_builder, alipay_client_builder_free>>;
using Client = std::unique_ptr<alipay_client, Deleter<alipay_client, alipay_client_free>>;
using Request =
    std::unique_ptr<alipay_voucher_send_request, Deleter<alipay_voucher_send_request, alipay_voucher_send_request_free>>;
using Result =
    std::unique_ptr<alipay_voucher_send_result, Deleter<alipay_voucher_send_result, alipay_voucher_send_result_free>>;
using Error = std::unique_ptr<alipay_error, Deleter<alipay_error, alipay_error_free>>;

int failures = 0;

void check(bool ok, const char *what) {
    if (!ok) {
        std::fprintf(stderr, "check failed: %s\n", what);
        ++failures;
    }
}

const char *env(const char *name) {
    const char *value = std::getenv(name);
    if (value == nullptr) {
        std::fprintf(stderr, "environment variable %s is not set\n", name);
        std::exit(2);
    }
    return value;
}

}  // namespace

int main() {
    std::string version = std::to_string(ALIPAY_VERSION_MAJOR) + "." + std::to_string(ALIPAY_VERSION_MINOR) + "." +
                          std::to_string(ALIPAY_VERSION_PATCH);
    check(version == alipay_version(), "the header's version macros match the loaded library");

    Builder builder(alipay_client_builder_new());
    check(alipay_client_builder_set_app_id(builder.get(), env("ALIPAY_APP_ID"), nullptr) == ALIPAY_STATUS_OK, "app_id");
    check(alipay_client_builder_set_private_key_file(builder.get(), env("ALIPAY_APP_PRIVATE_KEY_FILE"), nullptr) ==
              ALIPAY_STATUS_OK,
          "private key file");
    check(alipay_client_builder_set_alipay_public_key_file(builder.get(), env("ALIPAY_PUBLIC_KEY_FILE"), nullptr) ==
              ALIPAY_STATUS_OK,
          "public key file");
    check(alipay_client_builder_set_gateway(builder.get(), env("ALIPAY_GATEWAY_URL"), nullptr) == ALIPAY_STATUS_OK,
          "gateway");
    check(alipay_client_builder_set_timeout_ms(builder.get(), 120000, nullptr) == ALIPAY_STATUS_OK, "timeout");

    alipay_client *raw_client = nullptr;
    alipay_error *raw_error = nullptr;
    alipay_status status = alipay_client_builder_build(builder.get(), &raw_client, &raw_error);
    Client client(raw_client);
    Error build_error(raw_error);
    check(status == ALIPAY_STATUS_OK && client != nullptr, "build");

    Request request(alipay_voucher_send_request_new());
    alipay_voucher_send_request_set_template_id(request.get(), "TPL-FIXED-10", nullptr);
    alipay_voucher_send_request_set_out_biz_no(request.get(), "cpp-voucher-0001", nullptr);
    alipay_voucher_send_request_set_user_id(request.get(), "2088000000000001", nullptr);
    alipay_voucher_send_result *raw_result = nullptr;
    status = alipay_client_send_voucher(client.get(), request.get(), &raw_result, &raw_error);
    Result result(raw_result);
    check(status == ALIPAY_STATUS_OK, alipay_status_name(status));
    if (result) {
        std::printf("voucher cpp-voucher-0001=%s\n", alipay_voucher_send_result_voucher_id(result.get()));
    }

    // A status compared and named from C++.
    switch (alipay_client_send_voucher(nullptr, request.get(), &raw_result, nullptr)) {
        case ALIPAY_STATUS_NULL_ARGUMENT:
            break;
        default:
            check(false, "a NULL client is ALIPAY_STATUS_NULL_ARGUMENT");
    }
    check(std::strcmp(alipay_status_name(ALIPAY_STATUS_PANIC), "ALIPAY_STATUS_PANIC") == 0, "status name");

    std::printf("cpp: %d failed\n", failures);
    return failures == 0 ? 0 : 1;
}
