#include "Minimize.h"

#include <algorithm>

namespace vspc {

size_t CaseWeight(const Case &c) { return EncodeCase(c).size(); }

namespace {

// Of two cases of one weight, the plainer: smaller size values, fills and
// parameters, right-aligned buffers. Only ever decreases, so minimization ends.
uint64_t Plainness(const Case &c) {
    uint64_t p = 0;
    for (const Op &op : c.ops)
        p += uint64_t{op.size_value} + op.fill + op.param + (op.placement == Placement::Left) + op.null_buffer +
             (op.kind == OpKind::Restore && op.mutation != Mutation::None);
    return p;
}

class Shrinker {
public:
    Shrinker(const Case &c, const std::function<bool(const Case &, uint64_t)> &fails, const MinimizeLimits &limits,
             const std::function<void(const Case &)> &accepted)
        : fails_(fails), limits_(limits), accepted_(accepted) {
        result_.best = c;
        weight_ = CaseWeight(c);
        plain_ = Plainness(c);
    }

    MinimizeResult Run() {
        bool progress = true;
        while (progress && !Exhausted()) {
            progress = false;
            progress |= DropPackets();
            progress |= DropOps();
            for (size_t p = 0; p < result_.best.seeds.size(); ++p)
                progress |= ShrinkBytes([p](Case &c) -> std::vector<uint8_t> & { return c.seeds[p]; }, 1);
            for (size_t i = 0; i < result_.best.ops.size(); ++i)
                if (result_.best.ops[i].kind == OpKind::RestoreBytes)
                    progress |= ShrinkBytes([i](Case &c) -> std::vector<uint8_t> & { return c.ops[i].bytes; }, 0);
            progress |= PlainerOps();
        }
        return std::move(result_);
    }

private:
    bool Exhausted() const { return result_.tries >= limits_.max_tries; }

    // Plays `c` if it is smaller or plainer than the best; keeps it if it still fails.
    bool Try(const Case &c) {
        if (Exhausted()) return false;
        size_t w = CaseWeight(c);
        uint64_t p = Plainness(c);
        if (w > weight_ || (w == weight_ && p >= plain_)) return false;
        uint64_t number = since_accept_++;
        if (reject_live_ && limits_.reject.count(number)) return false;
        ++result_.tries;
        if (!fails_(c, number)) return false;
        result_.best = c;
        weight_ = w;
        plain_ = p;
        since_accept_ = 0;
        reject_live_ = false;
        ++result_.accepted;
        if (accepted_) accepted_(result_.best);
        return true;
    }

    bool DropPackets() {
        bool any = false;
        for (size_t p = result_.best.seeds.size(); p-- > 0 && result_.best.seeds.size() > 1;) {
            Case c = result_.best;
            c.seeds.erase(c.seeds.begin() + static_cast<std::ptrdiff_t>(p));
            std::vector<Op> ops;
            for (Op op : c.ops) {
                if (op.kind != OpKind::RestoreBytes && op.packet == p) continue;
                if (op.kind == OpKind::Restore && op.mutation == Mutation::Splice && op.other == p) continue;
                if (op.packet > p) --op.packet;
                if (op.other > p) --op.other;
                ops.push_back(std::move(op));
            }
            c.ops = std::move(ops);
            any |= Try(c);
        }
        return any;
    }

    // Removes runs of ops, longest first (ddmin over the op list).
    bool DropOps() {
        bool any = false;
        for (size_t k = std::max<size_t>(result_.best.ops.size() / 2, 1); k >= 1; k /= 2) {
            for (size_t i = result_.best.ops.size(); i-- > 0;) {
                if (Exhausted()) return any;
                size_t begin = i + 1 >= k ? i + 1 - k : 0;
                Case c = result_.best;
                c.ops.erase(c.ops.begin() + static_cast<std::ptrdiff_t>(begin),
                            c.ops.begin() + static_cast<std::ptrdiff_t>(i + 1));
                if (Try(c)) {
                    any = true;
                    i = begin;  // the ops before the removed run are next
                }
            }
            if (k == 1) break;
        }
        return any;
    }

    // Removes runs of bytes, longest first, from the end; keeps at least `min` bytes.
    template <typename Get>
    bool ShrinkBytes(Get get, size_t min) {
        bool any = false;
        for (size_t k = std::max<size_t>(get(result_.best).size() / 2, 1); k >= 1; k /= 2) {
            for (size_t end = get(result_.best).size(); end > 0 && !Exhausted();) {
                std::vector<uint8_t> &bytes = get(result_.best);
                if (bytes.size() <= min) return any;
                size_t n = std::min({k, end, bytes.size() - min});
                Case c = result_.best;
                std::vector<uint8_t> &b = get(c);
                b.erase(b.begin() + static_cast<std::ptrdiff_t>(end - n), b.begin() + static_cast<std::ptrdiff_t>(end));
                if (Try(c)) any = true;
                end = end >= n ? end - n : 0;
                end = std::min(end, get(result_.best).size());
            }
            if (k == 1) break;
        }
        return any;
    }

    bool PlainerOps() {
        bool any = false;
        for (size_t i = 0; i < result_.best.ops.size() && !Exhausted(); ++i) {
            auto with = [&](auto change) {
                Case c = result_.best;
                change(c.ops[i]);
                any |= Try(c);
            };
            const Op &op = result_.best.ops[i];
            if (op.kind == OpKind::Save) {
                if (op.size_value) with([](Op &o) { o.size_value = 0; });
                if (result_.best.ops[i].size_value > 1) with([](Op &o) { o.size_value /= 2; });
                if (result_.best.ops[i].fill) with([](Op &o) { o.fill = 0; });
                if (result_.best.ops[i].null_buffer) with([](Op &o) { o.null_buffer = false; });
            }
            if (op.kind == OpKind::Restore) {
                if (op.mutation != Mutation::None)
                    with([](Op &o) {
                        o.mutation = Mutation::None;
                        o.param = 0;
                    });
                if (result_.best.ops[i].param > 1) with([](Op &o) { o.param /= 2; });
            }
            if (result_.best.ops[i].placement == Placement::Left) with([](Op &o) { o.placement = Placement::Right; });
        }
        return any;
    }

    const std::function<bool(const Case &, uint64_t)> &fails_;
    const MinimizeLimits &limits_;
    const std::function<void(const Case &)> &accepted_;
    MinimizeResult result_;
    size_t weight_ = 0;
    uint64_t plain_ = 0;
    uint64_t since_accept_ = 0;
    bool reject_live_ = true;  // the reject list is about candidates since the case we were given
};

}  // namespace

MinimizeResult MinimizeCase(const Case &c, const std::function<bool(const Case &, uint64_t)> &fails,
                            const MinimizeLimits &limits, const std::function<void(const Case &)> &accepted) {
    return Shrinker(c, fails, limits, accepted).Run();
}

}  // namespace vspc
