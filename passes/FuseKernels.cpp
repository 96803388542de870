//===- FuseKernels.cpp - nn-fuse-kernels ----------------------------------===//
//
// Forms the kernel groups the code generator fuses, through
// FusableOpInterface only.
//
// 1. Visit the ops in order; a FusableOpInterface op heads a group, unless
//    an earlier group absorbed it (conv2d_backprop_input takes in the
//    max_pool2d_grad that would head its own).
// 2. While the group's last result has exactly one user in the same block
//    and the head can absorb it, add that user.
// 3. Wrap a group of two or more ops in nn.fused (inputs: the values the
//    group reads from outside, in order of first use), recording why it
//    stopped growing when another user held it back. A group whose head
//    says it measured no faster (fusedByDefault) is left unfused, with that
//    reason, unless the `all` option is set.
//
//===----------------------------------------------------------------------===//
#include "passes/PassDetail.h"
#include "passes/Passes.h"

#include "mlir/IR/BlockAndValueMapping.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::nn;

namespace {

/// Why `value` cannot be fused into `consumer`: its other users.
std::string otherUsers(Value value, Operation *consumer) {
  std::string users;
  llvm::SmallPtrSet<Operation *, 4> seen{consumer};
  for (Operation *u : value.getUsers())
    if (seen.insert(u).second)
      users += (users.empty() ? "" : ", ") + u->getName().getStringRef().str();
  return "its input is also used by " + users;
}

struct FuseKernelsPass : kiln::FuseKernelsBase<FuseKernelsPass> {
  void runOnOperation() override {
    SmallVector<FusableOpInterface, 16> heads;
    absorbed.clear();
    // Ops already inside a group are its kernel's business: running the pass
    // again changes nothing.
    getOperation().walk([&](FusableOpInterface op) {
      if (!op->getParentOfType<FusedOp>())
        heads.push_back(op);
    });
    for (FusableOpInterface head : heads)
      if (!absorbed.count(head.getOperation()) &&
          !llvm::is_contained(skip, head->getName().getStringRef().str()))
        fuse(head);
  }

  /// Ops an earlier group took in (erased: compared, never dereferenced).
  llvm::SmallPtrSet<Operation *, 16> absorbed;

  void fuse(FusableOpInterface head) {
    SmallVector<Operation *, 4> group{head.getOperation()};
    std::string reason;
    while (true) {
      Operation *last = group.back();
      if (last->getNumResults() != 1)
        break;
      Value result = last->getResult(0);
      if (result.use_empty())
        break;
      if (!result.hasOneUse()) {
        // Would the sole consumer have been absorbable? Say so only then.
        for (Operation *u : result.getUsers())
          if (head.canAbsorb(group, u)) {
            reason = u->getName().getStringRef().str() + " not fused: " +
                     otherUsers(result, u);
            break;
          }
        break;
      }
      Operation *user = *result.getUsers().begin();
      if (user->getBlock() != last->getBlock() || !head.canAbsorb(group, user))
        break;
      group.push_back(user);
    }
    if (group.size() > 1 && !all && !head.fusedByDefault(group)) {
      reason = group[1]->getName().getStringRef().str() +
               " not fused: measured no faster than separate kernels "
               "(nn-fuse-kernels all=1 fuses it)";
      group.resize(1);
    }
    if (group.size() == 1) {
      if (!reason.empty())
        head->setAttr("nn.not_fused",
                      StringAttr::get(head->getContext(), reason));
      return;
    }
    outline(group, reason);
  }

  void outline(ArrayRef<Operation *> group, const std::string &reason) {
    llvm::SmallPtrSet<Operation *, 4> inGroup(group.begin(), group.end());
    SmallVector<Value, 4> inputs;
    for (Operation *op : group)
      for (Value v : op->getOperands())
        if (!inGroup.count(v.getDefiningOp()) &&
            !llvm::is_contained(inputs, v))
          inputs.push_back(v);
    std::string kind;
    for (Operation *op : group)
      kind += (kind.empty() ? "" : "+") + op->getName().stripDialect().str();
    Operation *last = group.back();
    OpBuilder b(last);
    auto fused = b.create<FusedOp>(
        group.front()->getLoc(), last->getResultTypes(), b.getStringAttr(kind),
        inputs, reason.empty() ? nullptr : b.getStringAttr(reason));
    Block *body = new Block();
    fused.body().push_back(body);
    BlockAndValueMapping map;
    for (Value v : inputs)
      map.map(v, body->addArgument(v.getType(), v.getLoc()));
    OpBuilder inner = OpBuilder::atBlockEnd(body);
    for (Operation *op : group)
      inner.clone(*op, map);
    inner.create<YieldOp>(last->getLoc(),
                          map.lookup(Value(last->getResult(0))));
    last->getResult(0).replaceAllUsesWith(fused.getResult(0));
    for (Operation *op : llvm::reverse(group)) {
      absorbed.insert(op);
      op->erase();
    }
  }
};

} // namespace

std::unique_ptr<Pass> kiln::createFuseKernelsPass() {
  return std::make_unique<FuseKernelsPass>();
}
