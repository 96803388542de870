//===- PyInterpreter.cpp - Statements and scopes --------------------------===//
//
// The statement half of the interpreter: assignment and unpacking, scopes
// (module globals, function frames that nested functions close over,
// global/nonlocal), imports, if/while/for with break/continue/else, with,
// try/except/else/finally and raise, assert, del. Expressions are in
// PyEval.cpp, operators and builtins in PyOperators.cpp/PyBuiltins.cpp,
// classes in PyClasses.cpp, Keras in PyKeras.cpp.
//
// Code that depends on data is not run: a condition or loop over an opaque
// value (numpy arrays, tf.data pipelines, files) skips its body, and every
// name the body would have set becomes an opaque value that remembers why.
// If such a value later reaches the model, the error says where it came
// from; otherwise nothing is lost, because only the model needs to run.
// Every resource is bounded (statements run, value size and nesting,
// recursion) so that no script can hang or exhaust the stack.
//
//===----------------------------------------------------------------------===//
#include "frontend/python/PyInterp.h"

namespace kiln::frontend::python {
namespace {

constexpr long kMaxSteps = 200000;    ///< statements executed
constexpr int kMaxValueSize = 100000; ///< nodes in one value
constexpr int kMaxValueDepth = 100;   ///< nesting of one value
constexpr int kMaxEvalDepth = 600;    ///< nested eval/exec, across calls
constexpr long kMaxWork = 10000000;   ///< values or characters copied

using VK = Value::Kind;

struct DepthGuard {
  int &d;
  explicit DepthGuard(int &d) : d(++d) {}
  ~DepthGuard() { --d; }
};

/// What an assignment target changes: names, and attributes (`self.x`);
/// an item assignment changes the container it indexes.
void targetRoots(const Expr &t, std::vector<const Expr *> &out) {
  switch (t.kind) {
  case Expr::Kind::Name:
  case Expr::Kind::Attr:
    out.push_back(&t);
    break;
  case Expr::Kind::Subscript:
    targetRoots(*t.items[0], out);
    break;
  case Expr::Kind::Tuple:
  case Expr::Kind::List:
  case Expr::Kind::Starred:
    for (const ExprP &item : t.items)
      targetRoots(*item, out);
    break;
  default:
    break;
  }
}

bool mutates(const std::string &method) {
  static const char *const names[] = {"append", "extend", "insert", "pop",
                                      "remove", "update", "setdefault",
                                      "add",    "clear",  "sort", "reverse"};
  for (const char *n : names)
    if (method == n)
      return true;
  return false;
}

/// What a block changes when it runs (what skipping it leaves unknown).
void assignedRoots(const std::vector<StmtP> &body,
                   std::vector<const Expr *> &out,
                   std::vector<std::string> &names) {
  for (const StmtP &s : body) {
    switch (s->kind) {
    case Stmt::Kind::Assign:
    case Stmt::Kind::AugAssign:
    case Stmt::Kind::AnnAssign:
    case Stmt::Kind::For:
      for (const ExprP &t : s->targets)
        targetRoots(*t, out);
      break;
    case Stmt::Kind::With:
      for (const ExprP &t : s->withTargets)
        if (t)
          targetRoots(*t, out);
      break;
    case Stmt::Kind::Expr: {
      const Expr &v = *s->value;
      if (v.kind == Expr::Kind::Call &&
          v.items[0]->kind == Expr::Kind::Attr && mutates(v.items[0]->text))
        targetRoots(*v.items[0]->items[0], out);
      break;
    }
    case Stmt::Kind::Def:
    case Stmt::Kind::Class:
      names.push_back(s->name);
      break;
    case Stmt::Kind::Import:
    case Stmt::Kind::ImportFrom:
      for (const ImportName &n : s->names)
        names.push_back(!n.as.empty() ? n.as
                                      : llvm::StringRef(n.dotted)
                                            .split('.')
                                            .first.str());
      break;
    default:
      break;
    }
    if (s->kind == Stmt::Kind::Def || s->kind == Stmt::Kind::Class)
      continue;
    assignedRoots(s->body, out, names);
    assignedRoots(s->orelse, out, names);
    assignedRoots(s->finalbody, out, names);
    for (const Handler &h : s->handlers) {
      if (!h.name.empty())
        names.push_back(h.name);
      assignedRoots(h.body, out, names);
    }
  }
}

} // namespace

using namespace values;

std::string Interp::typeName(const Value &v) {
  switch (v.kind) {
  case VK::None: return "NoneType";
  case VK::Bool: return "bool";
  case VK::Int: return "int";
  case VK::Float: return "float";
  case VK::Str: return "str";
  case VK::Tuple: return "tuple";
  case VK::List: return "list";
  case VK::Dict: return "dict";
  case VK::Set: return "set";
  case VK::Opaque: return "data value";
  case VK::Module: return "module";
  case VK::Builtin:
  case VK::Function: return "function";
  case VK::BoundMethod:
  case VK::LayerMethod: return "method";
  case VK::KerasFn: return "Keras function";
  case VK::LayerClass: return "layer class";
  case VK::ConfigClass: return "Keras class";
  case VK::Config: return "Keras object";
  case VK::Layer: return "layer";
  case VK::Tensor: return "Keras tensor";
  case VK::Model: return "model";
  case VK::Method: return "method";
  case VK::Class: return "class";
  case VK::Instance: return "object";
  case VK::Super: return "super";
  case VK::Exception: return "exception";
  }
  return "value";
}

bool Interp::fail(llvm::SMLoc loc, const llvm::Twine &msg) {
  if (!failed) {
    failed = true;
    err.loc = loc;
    err.msg = context + msg.str();
  }
  return false;
}

unsigned Interp::lineOf(llvm::SMLoc loc) const {
  unsigned line = 1;
  for (const char *p = bufferStart; p && p < loc.getPointer(); ++p)
    line += *p == '\n';
  return line;
}

std::string Interp::dataOrigin(const Value &v) const {
  if (v.kind != VK::Opaque || !v.origin.isValid())
    return "";
  if (llvm::StringRef(v.s2).startswith("set in the "))
    return "'" + v.s + "', " + v.s2;
  auto cut = [](std::string t) {
    return t.size() > 60 ? t.substr(0, 57) + "..." : t;
  };
  std::string root = v.s2.empty() ? v.s : v.s2;
  std::string line = " (line " + std::to_string(lineOf(v.origin)) + ")";
  if (!v.s2.empty() && v.s != v.s2)
    return "'" + cut(v.s) + "', computed from '" + cut(root) + "'" + line;
  return "'" + cut(root) + "'" + line;
}

bool Interp::makeSeq(VK kind, std::vector<Value> items, llvm::SMLoc loc,
                     Value &out) {
  long size = 1;
  int depth = 0;
  for (const Value &v : items) {
    size += v.size;
    depth = std::max(depth, v.depth);
  }
  if (size > kMaxValueSize)
    return fail(loc, "value is too large (over " +
                         llvm::Twine(kMaxValueSize) + " elements)");
  if (depth + 1 > kMaxValueDepth)
    return fail(loc, "value is nested too deeply");
  // Containers are values, so growing one in a loop copies it each time:
  // bound the total work, not just the statements.
  if (!charge(long(items.size()), loc))
    return false;
  out = Value();
  out.kind = kind;
  out.items = std::move(items);
  out.size = int(size);
  out.depth = depth + 1;
  out.loc = loc;
  return true;
}

bool Interp::charge(long n, llvm::SMLoc loc) {
  work += n;
  if (work > kMaxWork)
    return fail(loc, "the script runs too long (it copies over " +
                         llvm::Twine(kMaxWork) + " values or characters)");
  return true;
}

bool Interp::execBlock(const std::vector<StmtP> &body) {
  for (const StmtP &s : body) {
    if (!exec(*s))
      return false;
    if (returning || breaking || continuing || raising)
      break;
  }
  return true;
}

/// Binds every name `s` would set to an opaque value saying that `what`
/// (an if, a loop, ...) was skipped because `cond` depends on data.
bool Interp::skipOnData(const Stmt &s, const Value &cond, const char *what) {
  std::vector<const Expr *> roots;
  std::vector<std::string> names;
  assignedRoots(s.body, roots, names);
  assignedRoots(s.orelse, roots, names);
  if (s.kind == Stmt::Kind::For)
    targetRoots(*s.targets[0], roots);
  std::string why = std::string("set in the '") + what + "' at line " +
                    std::to_string(lineOf(s.loc)) +
                    ", which kiln skips because it depends on data";
  if (cond.kind == VK::Opaque && cond.origin.isValid()) {
    std::string what = cond.s.size() > 60 ? cond.s.substr(0, 57) + "..."
                                          : cond.s;
    why += " ('" + what + "', line " + std::to_string(lineOf(cond.loc)) +
           ")";
  }
  auto unknown = [&](const std::string &name) {
    Value v = opaque(name, s.loc);
    v.s2 = why;
    return v;
  };
  for (const std::string &n : names)
    if (!bind(n, unknown(n)))
      return false;
  for (const Expr *r : roots) {
    if (r->kind == Expr::Kind::Name) {
      if (!bind(r->text, unknown(r->text)))
        return false;
      continue;
    }
    // self.x = ... on an object: the attribute becomes unknown too.
    const Expr &base = *r->items[0];
    if (base.kind != Expr::Kind::Name)
      continue;
    Value obj;
    bool found = false;
    for (Frame *f = frame.get(); f && !found; f = f->parent.get()) {
      auto it = f->vars.find(base.text);
      if (it != f->vars.end()) {
        obj = it->second;
        found = true;
      }
    }
    if (!found && globals.count(base.text))
      obj = globals[base.text];
    if (obj.kind == VK::Instance)
      objects[size_t(obj.ref)].attrs[r->text] =
          unknown(base.text + "." + r->text);
  }
  return true;
}

bool Interp::exec(const Stmt &s) {
  DepthGuard g(evalDepth);
  if (evalDepth > kMaxEvalDepth)
    return fail(s.loc, "the script nests calls too deeply");
  if (++steps > kMaxSteps)
    return fail(s.loc, "the script runs too long (over " +
                           llvm::Twine(kMaxSteps) + " statements)");
  switch (s.kind) {
  case Stmt::Kind::Pass:
    return true;
  case Stmt::Kind::Expr: {
    Value v;
    return eval(*s.value, v);
  }
  case Stmt::Kind::Assign: {
    Value v;
    if (!eval(*s.value, v))
      return false;
    for (const ExprP &t : s.targets)
      if (!assign(*t, v))
        return false;
    return true;
  }
  case Stmt::Kind::AnnAssign: {
    if (!s.value)
      return true; // `x: int` binds nothing
    Value v;
    return eval(*s.value, v) && assign(*s.targets[0], v);
  }
  case Stmt::Kind::AugAssign: {
    const Expr &t = *s.targets[0];
    if (t.kind != Expr::Kind::Name && t.kind != Expr::Kind::Subscript &&
        t.kind != Expr::Kind::Attr)
      return fail(t.loc, "invalid target of augmented assignment");
    Value l, r, v;
    if (!eval(t, l) || !eval(*s.value, r))
      return false;
    if (s.op == "+" && l.kind == VK::List && r.kind != VK::Opaque) {
      std::vector<Value> items;
      if (!iterate(r, s.value->loc, items))
        return false;
      Value rl;
      if (!makeSeq(VK::List, std::move(items), s.loc, rl))
        return false;
      r = std::move(rl);
    }
    if (!binary(s.op, l, r, s.loc, v))
      return false;
    return assign(t, v);
  }
  case Stmt::Kind::Import:
    for (const ImportName &n : s.names) {
      Value full;
      if (!importModule(n.dotted, n.loc, full, false))
        return false;
      if (!n.as.empty()) {
        if (!bind(n.as, full))
          return false;
        continue;
      }
      std::string root = llvm::StringRef(n.dotted).split('.').first.str();
      Value rootMod;
      if (!importModule(root, n.loc, rootMod, true) || !bind(root, rootMod))
        return false;
    }
    return true;
  case Stmt::Kind::ImportFrom: {
    Value mod;
    if (s.level > 0) {
      // A module of the script's own package: kiln reads one file only.
      mod = opaque("module ." + s.module, s.loc);
      mod.kind = VK::Module;
      mod.s = "." + s.module;
    } else if (!importModule(s.module, s.loc, mod, false)) {
      return false;
    }
    if (s.star) {
      if (llvm::StringRef(mod.s).startswith("keras") ||
          llvm::StringRef(mod.s).startswith("tensorflow"))
        return fail(s.loc, "'from " + s.module +
                               " import *' is not supported; import the "
                               "names you use");
      return true; // names from other modules stay undefined
    }
    for (const ImportName &n : s.names) {
      Value v;
      if (!getAttr(mod, n.dotted, n.loc, v))
        return false;
      if (!bind(n.as.empty() ? n.dotted : n.as, v))
        return false;
    }
    return true;
  }
  case Stmt::Kind::Def: {
    Value fn;
    return defineFunction(s, fn) && bind(s.name, fn);
  }
  case Stmt::Kind::Class:
    return defineClass(s);
  case Stmt::Kind::Return: {
    Value v;
    v.loc = s.loc;
    if (s.value && !eval(*s.value, v))
      return false;
    returnValue = std::move(v);
    returning = true;
    return true;
  }
  case Stmt::Kind::Break:
    breaking = true;
    return true;
  case Stmt::Kind::Continue:
    continuing = true;
    return true;
  case Stmt::Kind::For:
  case Stmt::Kind::While:
    return execLoop(s);
  case Stmt::Kind::If: {
    Value cond;
    if (!eval(*s.value, cond))
      return false;
    if (cond.kind == VK::Opaque)
      return skipOnData(s, cond, "if");
    if (cond.kind == VK::Tensor)
      return fail(s.value->loc, "the truth value of a Keras tensor is not "
                                "known while the model is built");
    bool known;
    bool t = truth(cond, known);
    if (!known)
      t = true; // objects, functions, layers and modules are true
    return execBlock(t ? s.body : s.orelse);
  }
  case Stmt::Kind::With: {
    for (size_t k = 0; k < s.targets.size(); ++k) {
      Value ctx;
      if (!eval(*s.targets[k], ctx))
        return false;
      if (!s.withTargets[k])
        continue;
      // What __enter__ returns is not modelled: file handles, strategy
      // scopes and the like are opaque.
      if (!assign(*s.withTargets[k],
                  derived(ctx, s.targets[k]->source().str(),
                          s.targets[k]->loc)))
        return false;
    }
    return execBlock(s.body);
  }
  case Stmt::Kind::Try:
    return execTry(s);
  case Stmt::Kind::Raise: {
    Value v;
    if (s.value && !eval(*s.value, v))
      return false;
    if (!s.value) {
      if (raised.kind == VK::None)
        return fail(s.loc, "'raise' with no active exception");
      v = raised;
    }
    if (v.kind != VK::Exception) {
      Value ex;
      ex.kind = VK::Exception;
      ex.s = v.kind == VK::Class    ? classes[size_t(v.ref)].name
             : v.kind == VK::Builtin ? v.s
                                     : typeName(v);
      ex.s2 = s.value ? s.value->source().str() : ex.s;
      v = ex;
    }
    v.loc = s.loc;
    raised = v;
    raising = true;
    return true;
  }
  case Stmt::Kind::Assert: {
    Value cond;
    if (!eval(*s.value, cond))
      return false;
    bool known;
    bool t = truth(cond, known);
    if (known && !t) {
      Value msg;
      if (!s.targets.empty() && !eval(*s.targets[0], msg))
        return false;
      return fail(s.loc, "assertion failed" +
                             (msg.kind == VK::Str ? ": " + msg.s
                                                  : std::string()));
    }
    return true;
  }
  case Stmt::Kind::Del:
    for (const ExprP &t : s.targets) {
      if (t->kind == Expr::Kind::Name) {
        if (frame && frame->vars.erase(t->text))
          continue;
        if (globals.erase(t->text))
          continue;
        return fail(t->loc, "name '" + t->text + "' is not defined");
      }
      Value v;
      if (t->kind != Expr::Kind::Tuple && t->kind != Expr::Kind::List &&
          t->items.size() > 0 && !eval(*t->items[0], v))
        return false;
    }
    return true;
  case Stmt::Kind::Global:
  case Stmt::Kind::Nonlocal:
    if (frame)
      for (const ImportName &n : s.names)
        (s.kind == Stmt::Kind::Global ? frame->globalNames
                                      : frame->nonlocalNames)
            .insert(n.dotted);
    return true;
  }
  return fail(s.loc, "unsupported statement");
}

bool Interp::execLoop(const Stmt &s) {
  bool isFor = s.kind == Stmt::Kind::For;
  if (s.isAsync)
    return fail(s.loc, "'async for' is not supported");
  std::vector<Value> items;
  if (isFor) {
    Value seq;
    if (!eval(*s.value, seq))
      return false;
    if (seq.kind == VK::Instance &&
        kerasBaseOf(objects[size_t(seq.ref)].cls) == "opaque")
      seq = opaque(s.value->source().str(), s.value->loc);
    if (seq.kind == VK::Opaque)
      return skipOnData(s, seq, "for");
    if (seq.isSeq())
      items = std::move(seq.items); // no copy of long ranges
    else if (!iterate(seq, s.value->loc, items))
      return false;
  }
  bool broke = false;
  for (size_t k = 0;; ++k) {
    if (isFor) {
      if (k >= items.size())
        break;
      if (!assign(*s.targets[0], items[k]))
        return false;
    } else {
      Value cond;
      if (!eval(*s.value, cond))
        return false;
      if (cond.kind == VK::Opaque) {
        if (k == 0)
          return skipOnData(s, cond, "while");
        return fail(s.value->loc, "the condition of this 'while' loop came "
                                  "to depend on data " +
                                      dataOrigin(cond));
      }
      bool known;
      bool t = truth(cond, known);
      if (!t && known)
        break;
      if (++steps > kMaxSteps)
        return fail(s.loc, "the script runs too long (over " +
                               llvm::Twine(kMaxSteps) + " statements)");
    }
    if (!execBlock(s.body))
      return false;
    continuing = false;
    if (returning || raising)
      return true;
    if (breaking) {
      breaking = false;
      broke = true;
      break;
    }
  }
  return broke ? true : execBlock(s.orelse);
}

bool Interp::execTry(const Stmt &s) {
  if (!execBlock(s.body))
    return false;
  if (raising) {
    for (const Handler &h : s.handlers) {
      bool match = !h.type;
      if (h.type) {
        Value type;
        if (!eval(*h.type, type))
          return false;
        std::vector<Value> types =
            type.isSeq() ? type.items : std::vector<Value>{type};
        for (const Value &t : types) {
          std::string name = t.kind == VK::Class ? classes[size_t(t.ref)].name
                             : t.kind == VK::Builtin ? t.s
                                                     : "";
          match |= name == raised.s || name == "Exception" ||
                   name == "BaseException" || t.kind == VK::Opaque ||
                   t.kind == VK::Module;
        }
      }
      if (!match)
        continue;
      raising = false;
      if (!h.name.empty() && !bind(h.name, raised))
        return false;
      if (!execBlock(h.body))
        return false;
      break;
    }
  } else if (!returning && !breaking && !continuing) {
    if (!execBlock(s.orelse))
      return false;
  }
  if (s.finalbody.empty())
    return true;
  // finally runs whatever happened; its own return/raise/break wins.
  bool ret = returning, brk = breaking, cont = continuing, rais = raising;
  Value rv = returnValue;
  returning = breaking = continuing = raising = false;
  if (!execBlock(s.finalbody))
    return false;
  if (!returning && !breaking && !continuing && !raising) {
    returning = ret;
    breaking = brk;
    continuing = cont;
    raising = rais;
    returnValue = rv;
  }
  return true;
}

} // namespace kiln::frontend::python
