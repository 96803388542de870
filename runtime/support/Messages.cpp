//===- Messages.cpp - Messages that fit on a screen -----------------------===//
#include "runtime/support/Messages.h"

#include <vector>

namespace kiln {

static bool isContinuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

/// `s` cut to `limit` bytes: its beginning, "...", its end (3:1), on UTF-8
/// boundaries.
static std::string cutMiddle(const std::string &s, size_t limit) {
  if (s.size() <= limit)
    return s;
  size_t tail = (limit - 3) / 4, head = limit - 3 - tail;
  while (head > 0 && isContinuation(s[head]))
    --head;
  size_t tailFrom = s.size() - tail;
  while (tailFrom < s.size() && isContinuation(s[tailFrom]))
    ++tailFrom;
  return s.substr(0, head) + "..." + s.substr(tailFrom);
}

std::string shortenMessage(const std::string &msg) {
  std::string out;
  size_t pos = 0, line = 0;
  while (true) {
    size_t end = msg.find('\n', pos);
    if (line == kMaxMessageLines) {
      size_t more = 1;
      for (size_t p = pos; (p = msg.find('\n', p)) != std::string::npos; ++p)
        ++more;
      out += "\n... (" + std::to_string(more) + " more lines)";
      break;
    }
    if (line)
      out += '\n';
    out += cutMiddle(msg.substr(pos, end == std::string::npos ? std::string::npos
                                                              : end - pos),
                     kMaxMessageLineChars);
    ++line;
    if (end == std::string::npos)
      break;
    pos = end + 1;
  }
  return cutMiddle(out, kMaxMessageChars);
}

} // namespace kiln
