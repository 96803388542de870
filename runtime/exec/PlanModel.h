//===- PlanModel.h - A trainable model made of compiled plans ---*- C++ -*-===//
//
// Implements the training loop's TrainableModel with two plans, the
// training step and the evaluation step, their kernels, and the model's
// weights and optimizer state held by name. The training step updates the
// weights in place (the plan maps each nn.assign onto the weight's
// storage). Runtime only: the kiln tool and compiled executables share it.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_EXEC_PLANMODEL_H
#define KILN_RUNTIME_EXEC_PLANMODEL_H

#include "runtime/Tensor.h"
#include "runtime/exec/Executor.h"
#include "runtime/train/Model.h"

#include <map>
#include <memory>

namespace kiln::runtime {

class PlanModel : public TrainableModel {
public:
  /// `weights` must hold every weight the plans name, except optimizer
  /// state that the model's initializers would make zeros: those missing are
  /// created as zeros (a fresh optimizer).
  static Expected<std::unique_ptr<PlanModel>>
  create(Plan train, Plan eval, const KernelResolver &resolve,
         std::map<std::string, Tensor> weights,
         std::shared_ptr<DeviceBinding> device = nullptr);

  /// One-hot rows, except for a single output (binary cross-entropy):
  /// the label itself, with two classes.
  TargetKind targetKind() const override {
    return classes_ == 1 ? TargetKind::Sparse : TargetKind::OneHot;
  }
  std::vector<int64_t> inputShape() const override { return inputShape_; }
  int64_t numClasses() const override { return classes_ == 1 ? 2 : classes_; }
  Status trainStep(const Batch &batch, int64_t step, StepResult &out) override;
  Status evalStep(const Batch &batch, StepResult &out) override;

  /// The executors of the training and evaluation steps (for profiles).
  Executor &trainExecutor() { return *train_; }
  Executor &evalExecutor() { return *eval_; }

  /// The weights and optimizer state, current after each step.
  /// On a GPU (create's device), the weights come back from it first.
  std::map<std::string, Tensor> &weights();

private:
  PlanModel() = default;
  std::unique_ptr<Executor> train_, eval_;
  std::map<std::string, Tensor> weights_;
  std::shared_ptr<DeviceBinding> device_;
  std::vector<int64_t> inputShape_;
  int64_t classes_ = 0;
};

} // namespace kiln::runtime

#endif // KILN_RUNTIME_EXEC_PLANMODEL_H
