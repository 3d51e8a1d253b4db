// Errors inside the engine are C++ exceptions carrying a tf_status; the C API
// boundary (capi.cpp) turns them into status codes and a thread-local message.
#pragma once
#include <stdexcept>
#include <string>

#include "tuneforge.h"

namespace tf {

class Error : public std::runtime_error {
 public:
  Error(tf_status status, const std::string &message) : std::runtime_error(message), status_(status) {}
  tf_status status() const { return status_; }

 private:
  tf_status status_;
};

[[noreturn]] inline void fail(tf_status status, const std::string &message) { throw Error(status, message); }

inline void require(bool ok, tf_status status, const std::string &message) {
  if (!ok) fail(status, message);
}

}  // namespace tf
