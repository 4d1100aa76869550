// What estimators do when several processes train one model (synchronous data parallelism,
// see graph/distributed_optimizer.h and runtime/communicator.h). The estimator uses these by
// itself whenever Communicator::world() has more than one rank:
//
// - building: every rank builds the model with its gradients all-reduced (in buckets of
//   RunConfig::allreduce_bucket_bytes), checks that every rank built the same graph, and takes
//   rank 0's variables (initialized, or restored from rank 0's model_dir) and rank 0's saved
//   state (the input positions, train_and_evaluate's progress);
// - training: each rank reads its own shard of the input; a step needs a batch on every rank,
//   so training ends on all ranks when one rank's input ends (at most one batch per rank of the
//   final epoch goes unused); decisions taken by the clock (save_checkpoints_secs,
//   EvalSpec::every_secs) are taken by any rank for all;
// - rank 0 alone writes: checkpoints (with every rank's input position), summaries, the best
//   model; the other ranks never touch model_dir;
// - evaluation: each rank evaluates its shard; sums and counts are all-reduced and the binary
//   head's scores gathered to rank 0, whose exact metrics (AUC and curves included) every rank
//   then receives. "loss" (the mean of batch means) depends on how batches fall; "average_loss"
//   and every other metric equal a single process's up to summation order.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "input.h"
#include "metrics.h"
#include "../runtime/session.h"

namespace tg::estimator {

// This process's place in the job (Communicator::world()).
int job_rank();
int job_size();
inline bool job_distributed() { return job_size() > 1; }
inline bool job_chief() { return job_rank() == 0; }

// Throws tg::Error on every rank, naming the ranks that differ from rank 0, unless every rank
// built the same graph: the FNV-1a hash of the serialized nodes `outputs` need (graph/serialize.h).
void check_same_graph(const std::vector<Output>& outputs);
// Every node of the graph with an output, for check_same_graph.
std::vector<Output> all_outputs(Graph& g);

// Copies rank 0's values of the variables into every rank's session (one broadcast).
void broadcast_variables(Session& session, const std::vector<Node*>& variables);

// rank 0's text on every rank.
std::string broadcast_text(const std::string& text);
// True on every rank when it is true on any.
bool any_rank(bool mine);

// Every rank's text, in rank order, at rank 0 (empty elsewhere).
std::vector<std::string> gather_text(const std::string& mine);

// The evaluation of every rank's shard: sums over ranks, scores gathered to rank 0, rank 0's
// metrics on every rank (rank 0 alone also gets the confusion matrix and curves).
EvalResult reduce_evaluation(MetricAccumulator& local);

// A training stream whose next() returns a batch on every rank or on none: it ends on every
// rank as soon as one rank's input ends.
std::unique_ptr<BatchStream> synchronized(std::unique_ptr<BatchStream> stream);

}  // namespace tg::estimator
