#include "controller/apiserver/tls_openssl.h"

#include <openssl/err.h>

#include <string>

namespace kiln {

Status OpenSslError(std::string_view what) {
  std::string message(what);
  const unsigned long code = ERR_peek_last_error();  // NOLINT: OpenSSL type
  if (code != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    message += ": ";
    message += text;
  }
  ERR_clear_error();
  return InternalError(std::move(message));
}

}  // namespace kiln
