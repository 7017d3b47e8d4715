#include "probes/tls.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>
#include <limits>
#include <memory>

namespace autoscrape::probes {
namespace {

// Go's time.Time{}.Unix(): what blackbox_exporter reports when there is no verified chain.
constexpr double kGoZeroTime = -62135596800.0;

std::string openssl_error() {
    unsigned long code = ERR_get_error();
    if (code == 0) return "unknown OpenSSL error";
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    ERR_clear_error();
    return buffer;
}

double not_after(X509* cert) {
    std::tm tm{};
    if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) return 0;
    return static_cast<double>(timegm(&tm));
}

// Earliest notAfter of a chain; +inf for an empty one.
double earliest_expiry(STACK_OF(X509) * chain) {
    double earliest = std::numeric_limits<double>::infinity();
    for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i)
        earliest = std::min(earliest, not_after(sk_X509_value(chain, i)));
    return earliest;
}

// Go's pkix.Name.String(): RFC 2253 order and escaping.
std::string name_string(X509_NAME* name) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

std::string dns_names(X509* cert) {
    std::string joined;
    auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
        if (name->type != GEN_DNS) continue;
        if (!joined.empty()) joined += ',';
        joined.append(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                      static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName)));
    }
    GENERAL_NAMES_free(names);
    return joined;
}

std::string sha256_fingerprint(X509* cert) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    X509_digest(cert, EVP_sha256(), digest, &length);
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) fmt::format_to(std::back_inserter(hex), "{:02x}", digest[i]);
    return hex;
}

std::string version_name(int version) {
    switch (version) {
        case TLS1_3_VERSION: return "TLS 1.3";
        case TLS1_2_VERSION: return "TLS 1.2";
        case TLS1_1_VERSION: return "TLS 1.1";
        case TLS1_VERSION: return "TLS 1.0";
        default: return "unknown";
    }
}

}  // namespace

bool make_tls_context(const std::optional<config::TlsConfig>& tls, boost::asio::ssl::context& context,
                      std::string& error) {
    SSL_CTX* ctx = context.native_handle();
    bool verify = !(tls && tls->insecure_skip_verify);
    SSL_CTX_set_verify(ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
    if (tls && !tls->ca_file.empty()) {
        if (SSL_CTX_load_verify_locations(ctx, tls->ca_file.c_str(), nullptr) != 1) {
            error = "loading ca_file " + tls->ca_file + ": " + openssl_error();
            return false;
        }
    } else if (verify && SSL_CTX_set_default_verify_paths(ctx) != 1) {
        error = "loading the system CA store: " + openssl_error();
        return false;
    }
    if (tls && !tls->cert_file.empty() && !tls->key_file.empty()) {
        if (SSL_CTX_use_certificate_chain_file(ctx, tls->cert_file.c_str()) != 1 ||
            SSL_CTX_use_PrivateKey_file(ctx, tls->key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
            error = "loading client certificate " + tls->cert_file + ": " + openssl_error();
            return false;
        }
    }
    return true;
}

bool prepare_tls_connection(SSL* ssl, const std::string& name, bool verify, std::string& error) {
    boost::system::error_code ec;
    auto ip = boost::asio::ip::make_address(name, ec);
    bool is_ip = !ec;
    if (!is_ip && !name.empty() && SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) {
        error = "setting TLS server name: " + openssl_error();
        return false;
    }
    if (!verify || name.empty()) return true;
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, ip.to_string().c_str())
                   : X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
    if (ok != 1) {
        error = "setting the name to verify: " + openssl_error();
        return false;
    }
    return true;
}

void record_tls_state(SSL* ssl, bool verified, ProbeResult& result) {
    double earliest = earliest_expiry(SSL_get_peer_cert_chain(ssl));
    if (earliest != std::numeric_limits<double>::infinity())
        result.set("probe_ssl_earliest_cert_expiry", "Returns last SSL chain expiry in unixtime", earliest);
    double last_chain = verified ? earliest_expiry(SSL_get0_verified_chain(ssl)) : kGoZeroTime;
    if (last_chain == std::numeric_limits<double>::infinity()) last_chain = kGoZeroTime;
    result.set("probe_ssl_last_chain_expiry_timestamp_seconds", "Returns last SSL chain expiry in timestamp",
               last_chain);
    if (X509* leaf = SSL_get1_peer_certificate(ssl)) {
        result.set("probe_ssl_last_chain_info", "Contains SSL leaf certificate information",
                   {{"fingerprint_sha256", sha256_fingerprint(leaf)},
                    {"issuer", name_string(X509_get_issuer_name(leaf))},
                    {"subject", name_string(X509_get_subject_name(leaf))},
                    {"subjectalternative", dns_names(leaf)}},
                   1);
        X509_free(leaf);
    }
    result.set("probe_tls_version_info", "Returns the TLS version used or NaN when unknown",
               {{"version", version_name(SSL_version(ssl))}}, 1);
}

boost::asio::awaitable<bool> handshake(boost::beast::ssl_stream<boost::beast::tcp_stream>& tls,
                                       const std::string& name, bool verify, Clock::time_point deadline,
                                       ProbeResult& result) {
    std::string error;
    if (!prepare_tls_connection(tls.native_handle(), name, verify, error)) {
        result.set_error(error);
        co_return false;
    }
    boost::beast::get_lowest_layer(tls).expires_at(deadline);
    auto [ec] = co_await tls.async_handshake(boost::asio::ssl::stream_base::client,
                                             boost::asio::as_tuple(boost::asio::use_awaitable));
    if (ec) {
        result.set_error(io_error(ec, "in the TLS handshake"));
        co_return false;
    }
    co_return true;
}

}  // namespace autoscrape::probes
