// fusex-hello: the smallest useful filesystem. A read-only root directory
// holding one file, "hello", whose content is "Hello, world!\n".
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <string_view>

#include "fusex/fusex.hpp"

namespace {

constexpr std::string_view kFileName = "hello";
constexpr std::string_view kContent = "Hello, world!\n";
constexpr fusex::NodeId kFileNode = 2;

class HelloFs final : public fusex::Filesystem {
  public:
    HelloFs() { clock_gettime(CLOCK_REALTIME, &started_); }

    void lookup(const fusex::LookupRequest& req, fusex::ReplyEntry reply) override {
        if (req.parent != fusex::kRootNode || req.name != kFileName) return std::move(reply).error(ENOENT);
        std::move(reply).entry(entry_of(kFileNode));
    }

    void getattr(const fusex::GetattrRequest& req, fusex::ReplyAttr reply) override {
        if (req.node != fusex::kRootNode && req.node != kFileNode) return std::move(reply).error(ENOENT);
        std::move(reply).attr(attr_of(req.node), 1.0);
    }

    void readdir(const fusex::ReaddirRequest& req, fusex::ReplyDir reply) override {
        if (req.node != fusex::kRootNode) return std::move(reply).error(ENOTDIR);
        // Offsets 1..3 name the position after each entry.
        struct Item { std::string_view name; fusex::NodeId node; uint32_t mode; };
        const Item items[] = {{".", fusex::kRootNode, S_IFDIR},
                              {"..", fusex::kRootNode, S_IFDIR},
                              {kFileName, kFileNode, S_IFREG}};
        for (uint64_t i = req.offset; i < std::size(items); ++i) {
            bool added = reply.plus()
                ? reply.add_plus(items[i].name, entry_of(items[i].node), i + 1)
                : reply.add(items[i].name, items[i].node, items[i].mode, i + 1);
            if (!added) break;
        }
        std::move(reply).send();
    }

    void open(const fusex::OpenRequest& req, fusex::ReplyOpen reply) override {
        if (req.node != kFileNode) return std::move(reply).error(EISDIR);
        if ((req.flags & O_ACCMODE) != O_RDONLY) return std::move(reply).error(EACCES);
        std::move(reply).opened({.keep_cache = true});  // the content never changes
    }

    void read(const fusex::ReadRequest& req, fusex::ReplyData reply) override {
        if (req.node != kFileNode) return std::move(reply).error(EISDIR);
        uint64_t start = std::min<uint64_t>(req.offset, kContent.size());
        uint64_t count = std::min<uint64_t>(req.size, kContent.size() - start);
        auto* bytes = reinterpret_cast<const std::byte*>(kContent.data());
        std::move(reply).data(std::span<const std::byte>(bytes + start, count));
    }

    // Everything that would change the tree is refused like the write opens.
    void setattr(const fusex::SetattrRequest&, fusex::ReplyAttr r) override { std::move(r).error(EACCES); }
    void mknod(const fusex::MknodRequest&, fusex::ReplyEntry r) override { std::move(r).error(EACCES); }
    void mkdir(const fusex::MkdirRequest&, fusex::ReplyEntry r) override { std::move(r).error(EACCES); }
    void symlink(const fusex::SymlinkRequest&, fusex::ReplyEntry r) override { std::move(r).error(EACCES); }
    void link(const fusex::LinkRequest&, fusex::ReplyEntry r) override { std::move(r).error(EACCES); }
    void create(const fusex::CreateRequest&, fusex::ReplyCreate r) override { std::move(r).error(EACCES); }
    void unlink(const fusex::UnlinkRequest&, fusex::ReplyEmpty r) override { std::move(r).error(EACCES); }
    void rmdir(const fusex::RmdirRequest&, fusex::ReplyEmpty r) override { std::move(r).error(EACCES); }
    void rename(const fusex::RenameRequest&, fusex::ReplyEmpty r) override { std::move(r).error(EACCES); }

  private:
    fusex::Attr attr_of(fusex::NodeId node) const {
        fusex::Attr a;
        a.ino = node;
        a.atime = a.mtime = a.ctime = started_;
        if (node == fusex::kRootNode) {
            a.mode = S_IFDIR | 0555;
            a.nlink = 2;
        } else {
            a.mode = S_IFREG | 0444;
            a.size = kContent.size();
            a.blocks = 1;
        }
        return a;
    }
    fusex::Entry entry_of(fusex::NodeId node) const { return {.node = node, .attr = attr_of(node)}; }

    timespec started_{};
};

}  // namespace

int main(int argc, char** argv) {
    HelloFs fs;
    return fusex::simple_main(argc, argv, fs, "fusex-hello",
                              "A read-only filesystem with one file, hello, saying hello.");
}
