#pragma once
// The blocking-work pool (database reads, key hashing) kept off the I/O threads.

#include <memory>

#include "common/task_runner.hpp"

namespace orderflow::app {

class ThreadPool final : public TaskRunner {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool() override;  // waits for queued tasks
  void Post(std::function<void()> task) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderflow::app
