#include "app/thread_pool.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

namespace orderflow::app {

struct ThreadPool::Impl {
  explicit Impl(int threads) : pool(static_cast<std::size_t>(threads)) {}
  boost::asio::thread_pool pool;
};

ThreadPool::ThreadPool(int threads) : impl_(std::make_unique<Impl>(threads)) {}

ThreadPool::~ThreadPool() { impl_->pool.join(); }

void ThreadPool::Post(std::function<void()> task) {
  boost::asio::post(impl_->pool, std::move(task));
}

}  // namespace orderflow::app
