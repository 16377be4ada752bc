#include "engine/flow.hpp"

#include <algorithm>
#include <stdexcept>

namespace orderflow::engine {

const char* ToString(StepKind kind) {
  switch (kind) {
    case StepKind::kApi:
      return "api";
    case StepKind::kEvent:
      return "event";
    case StepKind::kCron:
      return "cron";
  }
  return "event";
}

bool TopicMatches(const std::string& pattern, const std::string& topic) {
  if (pattern == topic || pattern == "*") return true;
  if (pattern.size() >= 2 && pattern.compare(pattern.size() - 2, 2, ".*") == 0) {
    std::string prefix = pattern.substr(0, pattern.size() - 1);  // keeps the dot
    return topic.size() > prefix.size() && topic.compare(0, prefix.size(), prefix) == 0;
  }
  return false;
}

void Flow::Add(StepSpec spec) {
  if (Find(spec.name) != nullptr) throw std::logic_error("duplicate step " + spec.name);
  steps_.push_back(std::move(spec));
}

const StepSpec* Flow::Find(const std::string& name) const {
  auto it = std::find_if(steps_.begin(), steps_.end(),
                         [&name](const StepSpec& s) { return s.name == name; });
  return it == steps_.end() ? nullptr : &*it;
}

std::vector<std::string> Flow::Subscribers(const std::string& topic) const {
  std::vector<std::string> out;
  for (const auto& step : steps_) {
    if (step.kind != StepKind::kEvent) continue;
    for (const auto& pattern : step.subscribes) {
      if (TopicMatches(pattern, topic)) {
        out.push_back(step.name);
        break;
      }
    }
  }
  return out;
}

Result<std::vector<std::string>> Flow::Subscribed(store::WriteTx& tx, const std::string& from,
                                                  const store::Event& event) const {
  const StepSpec* step = Find(from);
  if (step == nullptr ||
      std::find(step->emits.begin(), step->emits.end(), event.topic) == step->emits.end()) {
    throw std::logic_error("step '" + from + "' emitted undeclared topic '" + event.topic + "'");
  }
  std::vector<std::string> subscribers = Subscribers(event.topic);
  if (filters_.empty()) return subscribers;
  std::vector<std::string> kept;
  for (auto& name : subscribers) {
    auto it = filters_.find(name);
    bool keep = true;
    if (it != filters_.end()) {
      OF_ASSIGN_OR_RETURN(keep, it->second(tx, event));
    }
    if (keep) kept.push_back(std::move(name));
  }
  return kept;
}

Result<std::int64_t> Flow::Emit(store::WriteTx& tx, const std::string& from,
                                const store::Event& event, std::vector<std::string>* steps) const {
  OF_ASSIGN_OR_RETURN(std::vector<std::string> subscribers, Subscribed(tx, from, event));
  OF_ASSIGN_OR_RETURN(std::int64_t id, tx.events().InsertEvent(event, subscribers));
  if (steps != nullptr) *steps = std::move(subscribers);
  return id;
}

Status Flow::EmitDeferring(store::WriteTx& tx, const std::string& from, EmittedEvent& emitted,
                           const DeferDelivery& defer) const {
  OF_ASSIGN_OR_RETURN(emitted.steps, Subscribed(tx, from, emitted.event));
  std::vector<std::string> now;
  emitted.deferred.clear();
  for (const auto& name : emitted.steps) (defer(name) ? emitted.deferred : now).push_back(name);
  OF_ASSIGN_OR_RETURN(emitted.event.id, tx.events().InsertEvent(emitted.event, now));
  return OkStatus();
}

void Flow::SetFilter(const std::string& step, SubscriptionFilter filter) {
  if (Find(step) == nullptr) throw std::logic_error("filter for undeclared step " + step);
  filters_[step] = std::move(filter);
}

}  // namespace orderflow::engine
