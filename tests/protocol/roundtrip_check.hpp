// The checks every successful round-trip decode must pass.
#pragma once

#include <gtest/gtest.h>

#include "request_builder.hpp"

namespace fusex::test {

// Checks the common part of every successful decode and returns the request.
template <class R>
const R* ok(const Decoding& x) {
    EXPECT_EQ(x.d.error, 0) << x.d.why;
    const R* r = std::get_if<R>(&x.d.request);
    EXPECT_NE(r, nullptr) << "variant index " << x.d.request.index();
    if (r != nullptr) {
        EXPECT_EQ(r->ctx.unique, kUnique);
        EXPECT_EQ(r->ctx.node, x.d.header.nodeid);
        EXPECT_EQ(r->ctx.uid, kUid);
        EXPECT_EQ(r->ctx.gid, kGid);
        EXPECT_EQ(r->ctx.pid, kPid);
    }
    return r;
}

}  // namespace fusex::test
