//===- PyMethods.cpp - Methods of lists, dicts, sets and strings ----------===//
//
// list.append/extend/insert/pop/remove/index/count/sort/reverse/copy/clear,
// dict.get/keys/values/items/update/pop/setdefault/copy, set.add/copy and
// the string methods model code uses (join, format, split, strip, replace,
// lower/upper, startswith/endswith, title). Containers are values: a
// mutating method writes the new value back to the variable or attribute it
// was called on (PyCalls.cpp grows lists in place where it can).
//
//===----------------------------------------------------------------------===//
#include "frontend/python/PyInterp.h"

#include <algorithm>

namespace kiln::frontend::python {
namespace {
using namespace values;
constexpr size_t kMaxString = 1000000;
using VK = Value::Kind;

} // namespace

using namespace values;

bool Interp::containerMethod(const Expr &e, const Value &base, Value &out) {
  const Expr &attr = *e.items[0];
  const Expr &baseExpr = *attr.items[0];
  const std::string &m = attr.text;
  llvm::SMLoc loc = e.loc;
  CallArgs a;
  if (!evalArgs(e, a))
    return false;
  std::vector<Value> &args = a.args;
  out = Value();
  out.loc = loc;
  auto argCount = [&](size_t lo, size_t hi) {
    if (args.size() >= lo && args.size() <= hi)
      return true;
    return fail(loc, m + "() takes " + llvm::Twine(lo) +
                         (lo == hi ? "" : " to " + std::to_string(hi)) +
                         " arguments (" + llvm::Twine(args.size()) +
                         " given)");
  };
  auto writeBack = [&](Value updated) {
    if (baseExpr.kind == Expr::Kind::Name ||
        baseExpr.kind == Expr::Kind::Attr ||
        baseExpr.kind == Expr::Kind::Subscript)
      return assign(baseExpr, updated);
    return true;
  };
  auto remake = [&](VK kind, std::vector<Value> items,
                    std::vector<std::string> keys, Value &res) {
    if (!makeSeq(kind, std::move(items), base.loc, res))
      return false;
    res.keys = std::move(keys);
    return true;
  };
  if (base.kind == VK::Str) {
    const std::string &s = base.s;
    for (const Value &v : args)
      if (v.kind == VK::Opaque) {
        out = derived(v, e.source().str(), loc);
        return true;
      }
    if (m == "join") {
      if (!argCount(1, 1))
        return false;
      std::vector<Value> parts;
      if (!iterate(args[0], args[0].loc, parts))
        return false;
      std::string r;
      for (size_t k = 0; k < parts.size(); ++k) {
        if (parts[k].kind == VK::Opaque) {
          out = derived(parts[k], e.source().str(), loc);
          return true;
        }
        if (parts[k].kind != VK::Str)
          return fail(loc, "sequence item " + std::to_string(k) +
                               ": expected str instance, " +
                               typeName(parts[k]) + " found");
        r += (k ? s : "") + parts[k].s;
        if (r.size() > kMaxString)
          return fail(loc, "string is too long");
        if (!charge(long(s.size() + parts[k].s.size()), loc))
          return false;
      }
      out = strValue(r, loc);
      return true;
    }
    if (m == "format") {
      std::string r;
      size_t autoIndex = 0;
      for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if ((c == '{' || c == '}') && i + 1 < s.size() && s[i + 1] == c) {
          r += c;
          ++i;
          continue;
        }
        if (c != '{') {
          r += c;
          continue;
        }
        size_t close = s.find('}', i);
        if (close == std::string::npos)
          return fail(loc, "str.format: single '{' encountered");
        std::string field = s.substr(i + 1, close - i - 1);
        i = close;
        size_t cut = field.find_first_of("!:");
        std::string fname = field.substr(0, cut);
        std::string spec = cut == std::string::npos ? "" : field.substr(cut);
        const Value *v = nullptr;
        if (fname.empty()) {
          if (autoIndex < args.size())
            v = &args[autoIndex++];
        } else if (isdigit(static_cast<unsigned char>(fname[0]))) {
          size_t k = size_t(std::atoi(fname.c_str()));
          if (k < args.size())
            v = &args[k];
        } else {
          for (size_t k = 0; k < a.kwNames.size(); ++k)
            if (a.kwNames[k] == fname)
              v = &a.kwargs[k];
        }
        if (!v)
          return fail(loc, "str.format: no argument for field '{" + field +
                               "}'");
        Value piece;
        if (!formatValue(*v, spec, loc, piece))
          return false;
        if (piece.kind != VK::Str) {
          out = piece;
          return true;
        }
        r += piece.s;
      }
      out = strValue(r, loc);
      return true;
    }
    auto strArg = [&](size_t k) -> const std::string * {
      return k < args.size() && args[k].kind == VK::Str ? &args[k].s
                                                         : nullptr;
    };
    if (m == "lower" || m == "upper") {
      std::string r = s;
      for (char &c : r)
        c = m == "lower" ? char(tolower(c)) : char(toupper(c));
      out = strValue(r, loc);
      return true;
    }
    if (m == "strip" || m == "lstrip" || m == "rstrip") {
      llvm::StringRef r(s);
      std::string chars = strArg(0) ? *strArg(0) : " \t\n\r\f\v";
      if (m != "rstrip")
        r = r.ltrim(chars);
      if (m != "lstrip")
        r = r.rtrim(chars);
      out = strValue(r.str(), loc);
      return true;
    }
    if (m == "replace" && strArg(0) && strArg(1)) {
      std::string r, from = *strArg(0), to = *strArg(1);
      if (from.empty())
        return fail(loc, "str.replace with an empty pattern is not "
                         "supported");
      size_t at = 0, hit;
      while ((hit = s.find(from, at)) != std::string::npos) {
        r += s.substr(at, hit - at) + to;
        at = hit + from.size();
        if (!charge(long(to.size() + 1), loc))
          return false;
        if (r.size() > kMaxString)
          return fail(loc, "string is too long");
      }
      out = strValue(r + s.substr(at), loc);
      return true;
    }
    if ((m == "startswith" || m == "endswith") && args.size() == 1) {
      std::vector<Value> opts =
          args[0].isSeq() ? args[0].items : std::vector<Value>{args[0]};
      bool r = false;
      for (const Value &o : opts)
        if (o.kind == VK::Str)
          r |= m == "startswith" ? llvm::StringRef(s).startswith(o.s)
                                 : llvm::StringRef(s).endswith(o.s);
      out = boolValue(r, loc);
      return true;
    }
    if (m == "split" || m == "rsplit") {
      llvm::SmallVector<llvm::StringRef, 8> parts;
      if (strArg(0))
        llvm::StringRef(s).split(parts, *strArg(0));
      else
        llvm::StringRef(s).split(parts, ' ', -1, false);
      std::vector<Value> items;
      for (llvm::StringRef p : parts)
        items.push_back(strValue(p.str(), loc));
      return makeSeq(VK::List, std::move(items), loc, out);
    }
    if (m == "title" || m == "capitalize") {
      std::string r = s;
      bool start = true;
      for (char &c : r) {
        c = start ? char(toupper(c)) : m == "title" ? c : char(tolower(c));
        start = m == "title" ? !isalpha(static_cast<unsigned char>(c))
                             : false;
      }
      out = strValue(r, loc);
      return true;
    }
    out = opaque(e.source().str(), loc);
    return true;
  }
  if (base.kind == VK::List || base.kind == VK::Tuple) {
    std::vector<Value> items = base.items;
    bool tuple = base.kind == VK::Tuple;
    if (m == "index" || m == "count") {
      if (!argCount(1, 1))
        return false;
      int64_t count = 0, first = -1;
      for (size_t k = 0; k < items.size(); ++k) {
        bool known;
        if (equal(items[k], args[0], known) && known) {
          ++count;
          if (first < 0)
            first = int64_t(k);
        }
      }
      if (m == "index" && first < 0)
        return fail(loc, "the value is not in the list");
      out = intValue(m == "index" ? first : count, loc);
      return true;
    }
    if (tuple)
      return fail(attr.loc, "'tuple' object has no attribute '" + m + "'");
    if (m == "append" || m == "extend" || m == "insert") {
      if (!argCount(m == "insert" ? 2 : 1, m == "insert" ? 2 : 1))
        return false;
      if (m == "append") {
        items.push_back(args[0]);
      } else if (m == "extend") {
        if (args[0].kind == VK::Opaque) {
          Value res = derived(args[0], baseExpr.source().str(), loc);
          return writeBack(res);
        }
        std::vector<Value> more;
        if (!iterate(args[0], args[0].loc, more))
          return false;
        items.insert(items.end(), more.begin(), more.end());
      } else {
        if (args[0].kind != VK::Int)
          return fail(args[0].loc, "list indices must be integers");
        int64_t n = int64_t(items.size()), k = args[0].i;
        k = std::max<int64_t>(0, std::min(n, k < 0 ? k + n : k));
        items.insert(items.begin() + k, args[1]);
      }
      Value res;
      return remake(VK::List, std::move(items), {}, res) && writeBack(res);
    }
    if (m == "pop") {
      if (!argCount(0, 1))
        return false;
      if (items.empty())
        return fail(loc, "pop from empty list");
      int64_t n = int64_t(items.size());
      int64_t k = args.empty() ? n - 1 : asInt(args[0]);
      k = k < 0 ? k + n : k;
      if (k < 0 || k >= n)
        return fail(loc, "pop index out of range");
      out = items[size_t(k)];
      items.erase(items.begin() + k);
      Value res;
      return remake(VK::List, std::move(items), {}, res) && writeBack(res);
    }
    if (m == "remove") {
      if (!argCount(1, 1))
        return false;
      for (size_t k = 0; k < items.size(); ++k) {
        bool known;
        if (equal(items[k], args[0], known) && known) {
          items.erase(items.begin() + long(k));
          Value res;
          return remake(VK::List, std::move(items), {}, res) &&
                 writeBack(res);
        }
      }
      return fail(loc, "list.remove(x): x not in list");
    }
    if (m == "reverse" || m == "clear" || m == "sort") {
      if (m == "reverse")
        std::reverse(items.begin(), items.end());
      if (m == "clear")
        items.clear();
      if (m == "sort") {
        Value fn;
        fn.kind = VK::Builtin;
        fn.s = "sorted";
        CallArgs sa = a;
        sa.args.insert(sa.args.begin(), base);
        sa.argSrc.insert(sa.argSrc.begin(), nullptr);
        Value sorted;
        if (!callBuiltin(fn, sa, loc, e.source().str(), sorted))
          return false;
        if (sorted.kind != VK::List)
          return writeBack(sorted);
        items = sorted.items;
      }
      Value res;
      return remake(VK::List, std::move(items), {}, res) && writeBack(res);
    }
    if (m == "copy")
      return remake(VK::List, std::move(items), {}, out);
    return fail(attr.loc, "'list' object has no attribute '" + m + "'");
  }
  if (base.kind == VK::Dict) {
    std::vector<Value> items = base.items;
    std::vector<std::string> keys = base.keys;
    auto keyOf = [&](const Value &k, std::string &s) {
      if (k.kind == VK::Str)
        s = k.s;
      else if (k.kind == VK::Int)
        s = std::to_string(k.i);
      else
        return false;
      return true;
    };
    if (m == "keys" || m == "values" || m == "items") {
      std::vector<Value> res;
      for (size_t k = 0; k < keys.size(); ++k) {
        Value key = strValue(keys[k], loc);
        if (m == "keys")
          res.push_back(key);
        else if (m == "values")
          res.push_back(items[k]);
        else {
          Value pair;
          if (!makeSeq(VK::Tuple, {key, items[k]}, loc, pair))
            return false;
          res.push_back(std::move(pair));
        }
      }
      return makeSeq(VK::List, std::move(res), loc, out);
    }
    if (m == "get" || m == "pop" || m == "setdefault") {
      if (!argCount(1, 2))
        return false;
      std::string key;
      if (args[0].kind == VK::Opaque) {
        out = derived(args[0], e.source().str(), loc);
        return true;
      }
      if (!keyOf(args[0], key))
        return fail(args[0].loc, "dictionary keys must be strings or "
                                 "integers");
      auto at = std::find(keys.begin(), keys.end(), key);
      if (at != keys.end()) {
        out = items[size_t(at - keys.begin())];
        if (m == "pop") {
          items.erase(items.begin() + (at - keys.begin()));
          keys.erase(at);
          Value res;
          return remake(VK::Dict, std::move(items), std::move(keys), res) &&
                 writeBack(res);
        }
        return true;
      }
      if (args.size() < 2 && m == "pop")
        return fail(loc, "key '" + key + "' is not in the dictionary");
      if (args.size() == 2)
        out = args[1];
      if (m == "setdefault") {
        keys.push_back(key);
        items.push_back(out);
        Value res;
        return remake(VK::Dict, std::move(items), std::move(keys), res) &&
               writeBack(res);
      }
      return true;
    }
    if (m == "update") {
      if (!argCount(0, 1))
        return false;
      std::vector<std::string> nk = a.kwNames;
      std::vector<Value> nv = a.kwargs;
      if (!args.empty()) {
        if (args[0].kind == VK::Opaque)
          return writeBack(derived(args[0], baseExpr.source().str(), loc));
        if (args[0].kind != VK::Dict)
          return fail(args[0].loc, "dict.update() takes a dict");
        nk.insert(nk.begin(), args[0].keys.begin(), args[0].keys.end());
        nv.insert(nv.begin(), args[0].items.begin(), args[0].items.end());
      }
      for (size_t k = 0; k < nk.size(); ++k) {
        auto at = std::find(keys.begin(), keys.end(), nk[k]);
        if (at != keys.end())
          items[size_t(at - keys.begin())] = nv[k];
        else {
          keys.push_back(nk[k]);
          items.push_back(nv[k]);
        }
      }
      Value res;
      return remake(VK::Dict, std::move(items), std::move(keys), res) &&
             writeBack(res);
    }
    if (m == "copy")
      return remake(VK::Dict, std::move(items), std::move(keys), out);
    return fail(attr.loc, "'dict' object has no attribute '" + m + "'");
  }
  // Sets.
  std::vector<Value> items = base.items;
  if (m == "add") {
    if (!argCount(1, 1))
      return false;
    bool dup = false;
    for (const Value &u : items) {
      bool known;
      dup |= equal(u, args[0], known) && known;
    }
    if (!dup)
      items.push_back(args[0]);
    Value res;
    return remake(VK::Set, std::move(items), {}, res) && writeBack(res);
  }
  if (m == "copy")
    return remake(VK::Set, std::move(items), {}, out);
  return fail(attr.loc, "'set' object has no attribute '" + m + "'");
}

} // namespace kiln::frontend::python
