#pragma once
// Where blocking work (database reads) runs, so that it never blocks an I/O
// thread. Implemented by a fixed pool in app/; tests may run tasks inline.

#include <functional>

namespace orderflow {

class TaskRunner {
 public:
  virtual ~TaskRunner() = default;
  // Runs `task` soon on another thread. Thread-safe.
  virtual void Post(std::function<void()> task) = 0;
};

}  // namespace orderflow
