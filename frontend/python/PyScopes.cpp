//===- PyScopes.cpp - Names, scopes and assignment ------------------------===//
//
// Where names live: function frames (closed over by the functions defined
// in them, global/nonlocal declarations honoured), module globals, then
// builtins; `def` and `lambda` (defaults evaluated once, decorators
// applied); assignment to names, unpacking with a starred target,
// attributes of objects and items of dicts and lists; and iteration over
// the values kiln knows.
//
//===----------------------------------------------------------------------===//
#include "frontend/python/PyInterp.h"

#include <algorithm>

namespace kiln::frontend::python {
namespace {
constexpr int kMaxValueSize = 100000; ///< nodes in one value
using VK = Value::Kind;
} // namespace

using namespace values;

bool Interp::iterate(const Value &v, llvm::SMLoc loc, std::vector<Value> &out) {
  if (v.isSeq() || v.kind == VK::Set) {
    out = v.items;
    return true;
  }
  if (v.kind == VK::Dict) {
    for (size_t k = 0; k < v.keys.size(); ++k) {
      Value key;
      key.kind = VK::Str;
      key.s = v.keys[k];
      key.loc = v.items[k].loc;
      out.push_back(std::move(key));
    }
    return true;
  }
  if (v.kind == VK::Str) {
    for (char c : v.s) {
      Value ch;
      ch.kind = VK::Str;
      ch.s = std::string(1, c);
      ch.loc = loc;
      out.push_back(std::move(ch));
    }
    return true;
  }
  if (v.kind == VK::Model) {
    Value layersList;
    if (!modelAttr(v.ref, "layers", loc, layersList))
      return false;
    out = layersList.items;
    return true;
  }
  if (v.kind == VK::Opaque)
    return fail(loc, "iterating over data values is not supported here " +
                         dataOrigin(v));
  return fail(loc, "'" + typeName(v) + "' object is not iterable");
}

bool Interp::bind(const std::string &name, const Value &v) {
  if (!frame || frame->globalNames.count(name)) {
    globals[name] = v;
    return true;
  }
  if (frame->nonlocalNames.count(name))
    for (Frame *f = frame->parent.get(); f; f = f->parent.get())
      if (f->vars.count(name)) {
        f->vars[name] = v;
        return true;
      }
  frame->vars[name] = v;
  return true;
}

bool Interp::lookupName(const std::string &name, llvm::SMLoc loc,
                        Value &out) {
  for (Frame *f = frame.get(); f; f = f->parent.get()) {
    if (f->globalNames.count(name))
      break;
    auto it = f->vars.find(name);
    if (it != f->vars.end()) {
      out = it->second;
      out.loc = loc;
      return it->second.size < 64 || charge(it->second.size, loc);
    }
  }
  auto it = globals.find(name);
  if (it != globals.end()) {
    out = it->second;
    out.loc = loc;
    return it->second.size < 64 || charge(it->second.size, loc);
  }
  static const char *const builtins[] = {
      "print",    "len",        "range",     "int",        "float",
      "str",      "abs",        "min",       "max",        "round",
      "list",     "tuple",      "zip",       "enumerate",  "next",
      "iter",     "sorted",     "reversed",  "sum",        "any",
      "all",      "isinstance", "issubclass", "dict",      "set",
      "frozenset", "map",       "filter",    "bool",       "getattr",
      "hasattr",  "setattr",    "super",     "object",     "open",
      "type",     "repr",       "callable",  "divmod",     "pow",
      "hash",     "id",         "vars",      "format",     "chr",
      "ord",      "input",      "exit",      "quit",       "property",
      "staticmethod", "classmethod"};
  for (const char *b : builtins)
    if (name == b) {
      out = Value();
      out.kind = VK::Builtin;
      out.s = b;
      out.loc = loc;
      return true;
    }
  static const char *const exceptions[] = {
      "Exception",     "BaseException",     "ValueError",
      "TypeError",     "KeyError",          "IndexError",
      "RuntimeError",  "NotImplementedError", "ImportError",
      "ModuleNotFoundError", "AttributeError", "StopIteration",
      "AssertionError", "ZeroDivisionError", "OSError",
      "FileNotFoundError", "IOError",       "KeyboardInterrupt",
      "ArithmeticError", "LookupError",     "NameError",
      "UserWarning",   "DeprecationWarning", "Warning"};
  for (const char *x : exceptions)
    if (name == x) {
      out = Value();
      out.kind = VK::Builtin;
      out.s = x;
      out.s2 = "exception";
      out.loc = loc;
      return true;
    }
  if (name == "__name__") {
    out = Value();
    out.kind = VK::Str;
    out.s = "__main__";
    out.loc = loc;
    return true;
  }
  if (name == "NotImplemented" || name == "Ellipsis" || name == "__file__") {
    out = opaque(name, loc);
    return true;
  }
  return fail(loc, "name '" + name + "' is not defined");
}

bool Interp::lookup(const Expr &e, Value &out) {
  return lookupName(e.text, e.loc, out);
}

bool Interp::defineFunction(const Stmt &s, Value &out) {
  FuncRec rec;
  rec.def = &s;
  rec.cls = frame && frame->isClass ? frame->cls : -1;
  // Defaults are evaluated once, where the function is defined.
  rec.defaults.resize(s.params.size());
  for (size_t k = 0; k < s.params.size(); ++k)
    if (s.params[k].defaultValue &&
        !eval(*s.params[k].defaultValue, rec.defaults[k]))
      return false;
  out = Value();
  out.kind = VK::Function;
  out.ref = int(functions.size());
  out.s = s.name;
  out.loc = s.loc;
  // A class body's names are not visible inside its methods.
  out.env = frame && frame->isClass ? frame->parent : frame;
  functions.push_back(std::move(rec));
  // Decorators apply bottom-up. Those kiln does not model (tf.function,
  // keras.saving.register_keras_serializable, ...) only affect tracing or
  // saving, so the function stays as it is.
  for (size_t k = s.decorators.size(); k-- > 0;) {
    Value d;
    if (!eval(*s.decorators[k], d))
      return false;
    FuncRec &f = functions[size_t(out.ref)];
    if (d.kind == VK::Builtin && d.s == "property") {
      f.isProperty = true;
    } else if (d.kind == VK::Builtin && d.s == "staticmethod") {
      f.isStatic = true;
    } else if (d.kind == VK::Builtin && d.s == "classmethod") {
      f.isClassMethod = true;
    } else if (d.kind == VK::Function || d.kind == VK::BoundMethod) {
      CallArgs a;
      a.args.push_back(out);
      a.argSrc.push_back(nullptr);
      Value wrapped;
      if (!callFunction(d, a, s.decorators[k]->loc, wrapped))
        return false;
      out = wrapped;
      if (out.kind != VK::Function)
        break;
    }
  }
  return true;
}

bool Interp::assign(const Expr &target, const Value &v) {
  switch (target.kind) {
  case Expr::Kind::Name:
    return bind(target.text, v);
  case Expr::Kind::Tuple:
  case Expr::Kind::List: {
    size_t star = target.items.size();
    for (size_t k = 0; k < target.items.size(); ++k)
      if (target.items[k]->kind == Expr::Kind::Starred) {
        if (star != target.items.size())
          return fail(target.items[k]->loc,
                      "multiple starred expressions in assignment");
        star = k;
      }
    if (v.kind == VK::Opaque) {
      for (const ExprP &t : target.items) {
        const Expr &tt =
            t->kind == Expr::Kind::Starred ? *t->items[0] : *t;
        if (!assign(tt, derived(v, v.s + "[...]", v.loc)))
          return false;
      }
      return true;
    }
    std::vector<Value> items;
    if (v.isSeq() || v.kind == VK::Set || v.kind == VK::Dict ||
        v.kind == VK::Str) {
      if (!iterate(v, target.loc, items))
        return false;
    } else {
      return fail(target.loc, "cannot unpack non-sequence " + typeName(v));
    }
    size_t n = target.items.size();
    if (star == n ? items.size() != n : items.size() < n - 1)
      return fail(target.loc, "cannot unpack " + llvm::Twine(items.size()) +
                                  " values into " + llvm::Twine(n) +
                                  " targets");
    size_t rest = items.size() - (n - 1);
    size_t at = 0;
    for (size_t k = 0; k < n; ++k) {
      if (k == star) {
        std::vector<Value> mid(items.begin() + long(at),
                               items.begin() + long(at + rest));
        Value list;
        if (!makeSeq(VK::List, std::move(mid), target.items[k]->loc, list) ||
            !assign(*target.items[k]->items[0], list))
          return false;
        at += rest;
        continue;
      }
      if (!assign(*target.items[k], items[at++]))
        return false;
    }
    return true;
  }
  case Expr::Kind::Attr: {
    Value base;
    if (!eval(*target.items[0], base))
      return false;
    if (base.kind == VK::Instance) {
      objects[size_t(base.ref)].attrs[target.text] = v;
      return true;
    }
    if (base.kind == VK::Class) {
      classes[size_t(base.ref)].attrs[target.text] = v;
      return true;
    }
    if ((base.kind == VK::Layer || base.kind == VK::Model) &&
        target.text == "trainable")
      return true; // freezing does not change the model's structure
    if (base.kind == VK::Opaque || base.kind == VK::Config ||
        (base.kind == VK::Module &&
         !llvm::StringRef(base.s).startswith("keras")))
      return true;
    return fail(target.loc, "assigning to an attribute of a " +
                                typeName(base) + " is not supported");
  }
  case Expr::Kind::Subscript: {
    Value base, index;
    Value *stored = target.items[1]->kind == Expr::Kind::Slice
                        ? nullptr
                        : storageOf(*target.items[0]);
    if (stored && stored->kind == VK::Dict) {
      // d[k] = v on a variable updates it where it is stored (no copy).
      if (!eval(*target.items[1], index))
        return false;
      Value *p = storageOf(*target.items[0]);
      if (p && p->kind == VK::Dict &&
          (index.kind == VK::Str || index.kind == VK::Int)) {
        std::string key = index.kind == VK::Int ? std::to_string(index.i)
                                                : index.s;
        for (size_t k = 0; k < p->keys.size(); ++k)
          if (p->keys[k] == key) {
            p->size += v.size - p->items[k].size;
            p->depth = std::max(p->depth, v.depth + 1);
            p->items[k] = v;
            return p->size <= kMaxValueSize ||
                   fail(target.loc, "value is too large");
          }
        p->keys.push_back(key);
        return growInPlace(*p, {v}, target.loc);
      }
    }
    if (!eval(*target.items[0], base))
      return false;
    const Expr &ix = *target.items[1];
    if (base.kind == VK::Opaque ||
        (base.kind == VK::Module &&
         !llvm::StringRef(base.s).startswith("keras")))
      return ix.kind == Expr::Kind::Slice || eval(ix, index);
    if (ix.kind == Expr::Kind::Slice || !eval(ix, index))
      return ix.kind == Expr::Kind::Slice
                 ? fail(ix.loc, "assigning to a slice is not supported")
                 : false;
    Value updated = base;
    if (base.kind == VK::Dict) {
      if (index.kind != VK::Str && index.kind != VK::Int)
        return fail(ix.loc, "dictionary keys must be strings or integers");
      std::string key = index.kind == VK::Int ? std::to_string(index.i)
                                              : index.s;
      bool found = false;
      for (size_t k = 0; k < updated.keys.size(); ++k)
        if (updated.keys[k] == key) {
          updated.items[k] = v;
          found = true;
        }
      if (!found) {
        updated.keys.push_back(key);
        updated.items.push_back(v);
      }
      std::vector<std::string> keys = updated.keys;
      if (!makeSeq(VK::Dict, std::move(updated.items), base.loc, updated))
        return false;
      updated.keys = std::move(keys);
    } else if (base.kind == VK::List) {
      if (index.kind != VK::Int)
        return fail(ix.loc, "list indices must be integers");
      int64_t n = int64_t(base.items.size()), k = index.i < 0 ? index.i + n
                                                              : index.i;
      if (k < 0 || k >= n)
        return fail(ix.loc, "list assignment index out of range");
      updated.items[size_t(k)] = v;
      if (!makeSeq(VK::List, std::move(updated.items), base.loc, updated))
        return false;
    } else {
      return fail(target.loc, "assigning to an item of a " + typeName(base) +
                                  " is not supported");
    }
    // Containers are values here: write the new one back where it lives.
    return assign(*target.items[0], updated);
  }
  case Expr::Kind::Starred:
    return fail(target.loc, "starred assignment target must be in a list or "
                            "tuple");
  default:
    return fail(target.loc, "cannot assign to expression");
  }
}

} // namespace kiln::frontend::python
