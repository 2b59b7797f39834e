#include "actors/snapshot_writer.hpp"

#include <cstdio>
#include <cstdlib>

#include <caf/all.hpp>

#include "persistence/shard_store.hpp"

namespace holdfast {

caf::behavior snapshot_writer_behavior(caf::event_based_actor* self,
                                       std::shared_ptr<shard_store> store, caf::actor journal) {
  return {
      [self, store, journal](snapshot_job& job) {
        const auto blob = job.encode(job.seq);
        if (auto result = store->put_snapshot(job.stream, job.seq, blob); !result) {
          std::fprintf(stderr, "holdfast: snapshot write failed, stopping the node: %s\n",
                       result.message.c_str());
          std::fflush(stderr);
          std::abort();
        }
        self->send(journal, snapshot_stored{job.stream, job.seq});
      },
  };
}

} // namespace holdfast
