package jobs

import (
	"context"

	"github.com/riverqueue/river"
)

// Fanouts counts the fan-out jobs in every state, in one query.
func (q *Queue) Fanouts(ctx context.Context) (int, error) {
	res, err := q.client.JobList(ctx, river.NewJobListParams().Kinds(fanoutArgs{}.Kind()).States(JobStates...).First(10_000))
	if err != nil {
		return 0, err
	}
	return len(res.Jobs), nil
}
