// A one-directory filesystem whose files live in memory that a test changes
// behind the kernel's back. Long cache timeouts and keep_cache make the
// kernel really cache names, attributes and pages, so a test sees exactly
// which requests reach the daemon (counters) and what the client sees.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include "fusex/filesystem.hpp"

namespace fusex::test {

class FlatFs : public Filesystem {
  public:
    // Files get nodes 2, 3, ... in the order added.
    NodeId add(const std::string& name, std::string content);
    void set_content(NodeId node, std::string content);
    // A name that is not present looks up as a cached negative entry.
    void set_present(NodeId node, bool present);

    int reads(NodeId node) const;
    int lookups(const std::string& name) const;

    double entry_timeout = 3600;
    double attr_timeout = 3600;
    bool direct_io = false;  // per open; keep_cache is always set

    void lookup(const LookupRequest& req, ReplyEntry reply) override;
    void getattr(const GetattrRequest& req, ReplyAttr reply) override;
    void open(const OpenRequest& req, ReplyOpen reply) override;
    void read(const ReadRequest& req, ReplyData reply) override;
    void readdir(const ReaddirRequest& req, ReplyDir reply) override;

  protected:
    // Counts the read; returns the bytes the request asks for.
    std::string take_read(const ReadRequest& req);
    Attr attr_of(NodeId node) const;  // caller holds mu_

    struct File {
        std::string name;
        std::string content;
        bool present = true;
        int reads = 0;
    };
    mutable std::mutex mu_;
    std::map<NodeId, File> files_;
    std::map<std::string, int> lookups_;
    NodeId next_ = 2;
};

}  // namespace fusex::test
