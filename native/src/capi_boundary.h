// What every C entry point shares (capi.cpp, capi_session.cpp): the handle structs, the guard that turns
// exceptions into tf_status codes and the thread's last error, and the per-model busy lock.
#pragma once
#include <memory>
#include <mutex>
#include <new>
#include <string>

#include "error.h"
#include "model.h"
#include "tuneforge.h"

struct tf_model {
  std::unique_ptr<tf::Model> impl;
};

namespace tf::capi {

inline thread_local std::string last_error;

template <class F>
tf_status guard(F &&body) {
  try {
    body();
    last_error.clear();
    return TF_OK;
  } catch (const tf::Error &e) {
    last_error = e.what();
    return e.status();
  } catch (const std::bad_alloc &) {
    last_error = "out of memory";
    return TF_ERR_OUT_OF_MEMORY;
  } catch (const std::exception &e) {
    last_error = std::string("internal error: ") + e.what();
    return TF_ERR_INTERNAL;
  } catch (...) {
    last_error = "internal error";
    return TF_ERR_INTERNAL;
  }
}

// Calls on one model must not overlap; a second concurrent call is refused, not queued.
struct Busy {
  std::unique_lock<std::mutex> lock;
  explicit Busy(tf::Model &m) : lock(m.busy, std::try_to_lock) {
    tf::require(lock.owns_lock(), TF_ERR_BUSY, "the model is busy with another call");
    m.ops->set_threads(m.threads);
  }
};

inline void need(const void *p, const char *what) {
  tf::require(p != nullptr, TF_ERR_INVALID_ARGUMENT, std::string(what) + " must not be null");
}

}  // namespace tf::capi
