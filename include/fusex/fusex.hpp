// Everything a filesystem author needs.
#pragma once

#include "fusex/cmdline.hpp"
#include "fusex/filesystem.hpp"
#include "fusex/log.hpp"
#include "fusex/notifier.hpp"
#include "fusex/options.hpp"
#include "fusex/reply.hpp"
#include "fusex/requests.hpp"
#include "fusex/session.hpp"
#include "fusex/types.hpp"
#include "fusex/version.hpp"
