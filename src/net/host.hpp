// wskemu: facts about the host the network layer runs on, in neutral terms.
#pragma once

namespace wskemu::net {

// True when the process runs under Wine, whose socket layer differs from
// Windows in a few observed corners (tests allow for them where noted).
bool running_under_wine() noexcept;

}  // namespace wskemu::net
