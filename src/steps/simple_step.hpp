#pragma once
// A step whose whole effect happens in its transaction: subclasses implement
// Apply() and inherit a Handle() that defers to it.

#include <boost/json/object.hpp>

#include "engine/step.hpp"

namespace orderflow::steps {

class SimpleStep : public engine::Step {
 public:
  SimpleStep(const engine::Flow& flow, const std::string& name) : spec_(*flow.Find(name)) {}
  const engine::StepSpec& spec() const override { return spec_; }

  Result<engine::Apply> Handle(const engine::StepInput& input) override {
    store::Event event = input.delivery.event;
    boost::json::object payload = input.payload;
    return engine::Apply(
        [this, event, payload](engine::StepTx& tx) { return Apply(tx, event, payload); });
  }
  bool runs_inline() const override { return true; }

 protected:
  virtual Status Apply(engine::StepTx& tx, const store::Event& event,
                       const boost::json::object& payload) = 0;

 private:
  engine::StepSpec spec_;
};

}  // namespace orderflow::steps
