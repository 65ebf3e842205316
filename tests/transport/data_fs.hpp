// The in-test filesystem: a few flat files whose bytes live in backing files
// on a real filesystem, so every read and write can be checked against them.
//   big        read-only, served with data_from_fd (splice where possible)
//   big_direct the same bytes opened direct_io: exact sizes reach read()
//   mem        read-only, served from memory with data()
//   w, w_direct writable (cached / direct_io): written with pwrite, or with
//              splice_to() when the payload arrives spliced
#pragma once

#include <atomic>
#include <cstddef>
#include <string>
#include <vector>

#include "fusex/filesystem.hpp"

namespace fusex::test {

class DataFs : public Filesystem, public SplicedWrites {
  public:
    static constexpr size_t kBigSize = (4u << 20) + 123;  // not a page multiple
    static constexpr size_t kMemSize = (300u << 10) + 7;

    explicit DataFs(const std::string& backing_dir);
    ~DataFs() override;

    // Expected bytes of a file, from its backing store.
    std::vector<std::byte> backing(const std::string& name) const;
    int backing_fd(const std::string& name) const;

    std::atomic<unsigned> spliced_writes{0};
    std::atomic<unsigned> copied_writes{0};
    std::atomic<unsigned> reads{0};
    std::atomic<unsigned> reads_on_pinned_threads{0};  // io_uring queue threads are pinned

    size_t splice_write_min() const override { return 4096; }

    void lookup(const LookupRequest& req, ReplyEntry reply) override;
    void getattr(const GetattrRequest& req, ReplyAttr reply) override;
    void setattr(const SetattrRequest& req, ReplyAttr reply) override;
    void open(const OpenRequest& req, ReplyOpen reply) override;
    void read(const ReadRequest& req, ReplyData reply) override;
    void write(const WriteRequest& req, ReplyWrite reply) override;
    void flush(const FlushRequest&, ReplyEmpty reply) override { std::move(reply).ok(); }
    void fsync(const FsyncRequest&, ReplyEmpty reply) override { std::move(reply).ok(); }

  private:
    struct File {
        std::string name;
        int fd = -1;
        bool writable = false;
        bool direct = false;
        bool from_memory = false;
    };
    const File* file(NodeId node) const;
    Attr attr_of(NodeId node) const;

    std::vector<File> files_;  // node = index + 2
    std::vector<std::byte> mem_;
};

}  // namespace fusex::test
