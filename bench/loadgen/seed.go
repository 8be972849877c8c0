package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// seedTickets inserts the tickets with ids @lo..@hi in one set-based
// statement. Ids grow with opened_at, as they do in production, so the
// time-ordered indexes fill at their right edge. Older tickets are closed,
// the last two weeks hold the open queue; opened_year and opened_month are
// opened_at's year and month in Europe/Rome, as the repository writes them.
const seedTickets = `
INSERT INTO tickets (id, ente_code, subject, description, service, channel, level, status,
    assignee_id, opened_by, opened_at, opened_year, opened_month, updated_at, closed_at,
    reason, external_id, version)
SELECT g, ente, subject, description, service, channel, level, status,
    CASE WHEN status <> 'nuovo' THEN @admin::bigint END, @admin::bigint, opened_at,
    EXTRACT(YEAR FROM opened_at AT TIME ZONE 'Europe/Rome')::int,
    EXTRACT(MONTH FROM opened_at AT TIME ZONE 'Europe/Rome')::int,
    COALESCE(closed_at, opened_at + interval '5 minutes'), closed_at,
    CASE WHEN status = 'non_di_competenza' THEN 'Non di competenza del centro servizi' ELSE '' END,
    NULL,
    CASE status WHEN 'nuovo' THEN 1 WHEN 'aperto' THEN 2 ELSE 3 END
FROM (
    SELECT g, opened_at, ente, service, channel, level, status,
        CASE WHEN status IN ('risolto', 'non_di_competenza')
            THEN LEAST(opened_at + (r_close * r_close * 72 * 3600) * interval '1 second', @now::timestamptz) END AS closed_at,
        (ARRAY['Il sito non risponde', 'Errore nel portale dei servizi', 'Documento non protocollato',
               'App in errore all''avvio', 'Pratica SUAP bloccata', 'Invio a Telemaco non riuscito',
               'Postazione CED non raggiungibile', 'Richiesta di informazioni', 'Mappa SIT non aggiornata',
               'Richiesta di accesso'])[1 + (g % 10)::int] || ' - ' || ente AS subject,
        'Segnalazione generata per il benchmark, n. ' || g AS description
    FROM (
        SELECT g, opened_at, r_close,
            CASE WHEN r_ente < 0.22 THEN 'firenze'
                 ELSE (@codes::text[])[LEAST(1 + floor((r_ente - 0.22) / 0.78 * cardinality(@codes::text[]))::int,
                                             cardinality(@codes::text[]))] END AS ente,
            (ARRAY['sito_web', 'portale_servizi', 'gestione_documentale', 'app', 'suap',
                   'telemaco', 'ced_multiente', 'contact_center', 'sit', 'altro'])[1 + floor(r_svc * r_svc * 10)::int] AS service,
            CASE WHEN r_chan < 0.35 THEN 'phone' WHEN r_chan < 0.65 THEN 'email'
                 WHEN r_chan < 0.90 THEN 'portal' ELSE 'contact_center' END AS channel,
            CASE WHEN r_level < 0.8 THEN 1 ELSE 2 END AS level,
            CASE WHEN opened_at > @now::timestamptz - interval '14 days' THEN
                     CASE WHEN r_status < 0.30 THEN 'nuovo' WHEN r_status < 0.60 THEN 'aperto'
                          WHEN r_status < 0.95 THEN 'risolto' ELSE 'non_di_competenza' END
                 ELSE
                     CASE WHEN r_status < 0.002 THEN 'aperto' WHEN r_status < 0.93 THEN 'risolto'
                          ELSE 'non_di_competenza' END
            END AS status
        FROM (
            SELECT g,
                @start::timestamptz + ((g - @base - 1)::float8 / @n * @span + random() * 900) * interval '1 second' AS opened_at,
                random() AS r_ente, random() AS r_status, random() AS r_level,
                random() AS r_chan, random() AS r_svc, random() AS r_close
            FROM generate_series(@lo::bigint, @hi::bigint) AS g
        ) a
    ) b
) c`

// seedClocks gives the tickets @lo..@hi whose id mod 100 is below @share
// their three SLA clocks. Deadlines add the target in calendar time (the
// server uses the working calendar), which is enough for load: the rows
// have the shape and the selectivity of real ones, some met and some
// breached.
const seedClocks = `
INSERT INTO sla_clocks (ticket_id, code, target_seconds, basis, started_at, deadline, stopped_at, elapsed_seconds)
SELECT id, code, target, basis, opened_at, opened_at + target * interval '1 second',
    CASE WHEN stopped THEN opened_at + e * interval '1 second' END,
    CASE WHEN stopped THEN e ELSE 0 END
FROM (
    SELECT t.id, t.opened_at, c.code, c.target, c.basis,
        (random() * random() * random() * 2.5 * c.target)::bigint AS e,
        CASE c.code
            WHEN 'SLA.6' THEN t.status <> 'nuovo'
            WHEN 'SLA.7' THEN t.status IN ('risolto', 'non_di_competenza') OR (t.status = 'aperto' AND t.id % 2 = 0)
            ELSE t.status IN ('risolto', 'non_di_competenza')
        END AS stopped
    FROM tickets t
    CROSS JOIN (VALUES ('SLA.6', 3600::bigint, 'working'), ('SLA.7', 21600::bigint, 'working'),
                       ('SLA.8', 7200::bigint, 'calendar')) AS c(code, target, basis)
    WHERE t.id BETWEEN @lo AND @hi AND t.id % 100 < @share
) x`

// seedStates writes the validity ranges of migration 00012 for the
// tickets @lo..@hi, as the repository writes them: nuovo from opening
// until taken in charge (ten minutes later, or halfway to the closing when
// that is sooner), aperto until closed, then the closed status; the
// current range has no end. Level-2 tickets are at level 2 throughout.
const seedStates = `
INSERT INTO ticket_states (ticket_id, status, level, valid_from, valid_to, ente_code, service, channel,
    opened_at, opened_year, opened_month)
SELECT t.id, s.status, t.level, s.valid_from, s.valid_to, t.ente_code, t.service, t.channel,
    t.opened_at, t.opened_year, t.opened_month
FROM (
    SELECT t.*, t.opened_at + LEAST(interval '10 minutes', COALESCE((t.closed_at - t.opened_at) / 2, interval '10 minutes')) AS taken
    FROM tickets t WHERE t.id BETWEEN @lo AND @hi
) t
CROSS JOIN LATERAL (VALUES
    ('nuovo', t.opened_at, CASE WHEN t.status <> 'nuovo' THEN t.taken END, true),
    ('aperto', t.taken, t.closed_at, t.status <> 'nuovo'),
    (t.status, t.closed_at, NULL, t.status IN ('risolto', 'non_di_competenza'))
) AS s(status, valid_from, valid_to, present)
WHERE s.present`

func seedCmd(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	dbURL := fs.String("db", "", "PostgreSQL URL of a migrated help-desk database (required)")
	n := fs.Int64("tickets", 100_000, "tickets to add (at most 1,000,000 per call)")
	from := fs.Int("from-year", 2016, "year of the oldest ticket (1 January, Europe/Rome)")
	share := fs.Int("clock-share", 50, "percent of the seeded tickets that get their three SLA clocks")
	workers := fs.Int("workers", runtime.NumCPU(), "parallel connections")
	chunk := fs.Int64("chunk", 50_000, "tickets per statement")
	vacuum := fs.Bool("vacuum", true, "VACUUM ANALYZE the seeded tables afterwards (ANALYZE alone when false)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *dbURL == "":
		return errors.New("seed: -db is required")
	case *n < 1 || *n > 1_000_000:
		return errors.New("seed: -tickets must be 1 to 1,000,000")
	case *share < 0 || *share > 100:
		return errors.New("seed: -clock-share must be 0 to 100")
	case *workers < 1 || *chunk < 1:
		return errors.New("seed: -workers and -chunk must be positive")
	}
	begin := time.Now()
	conn, err := pgx.Connect(ctx, *dbURL)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	defer conn.Close(ctx)

	var (
		codes []string
		admin *int64
		base  int64
	)
	if err := conn.QueryRow(ctx, `SELECT array_agg(code ORDER BY code) FROM enti`).Scan(&codes); err != nil {
		return fmt.Errorf("seed: reading enti (is the database migrated?): %w", err)
	}
	if len(codes) == 0 {
		return errors.New("seed: the enti table is empty")
	}
	if err := conn.QueryRow(ctx, `SELECT min(id) FROM users`).Scan(&admin); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if err := conn.QueryRow(ctx, `SELECT COALESCE(max(id), 0) FROM tickets`).Scan(&base); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)
	start := time.Date(*from, 1, 1, 0, 0, 0, 0, rome)
	span := now.Sub(start).Seconds() - 1000 // room for the jitter: nothing opens in the future
	if span <= 0 {
		return errors.New("seed: -from-year is in the future")
	}
	fmt.Fprintf(out, "seed: %d tickets (ids %d..%d) from %s to now over %d enti, clocks for %d%%, %d workers\n",
		*n, base+1, base+*n, start.Format("2006-01-02"), len(codes), *share, *workers)

	// Workers take chunks of ids in turn; each chunk is one transaction
	// with its tickets and their clocks.
	var (
		next, done atomic.Int64
		mu         sync.Mutex
		wg         sync.WaitGroup
		errs       = make([]error, *workers)
	)
	next.Store(base)
	last := base + *n
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for w := range *workers {
		wg.Go(func() {
			errs[w] = seedWorker(wctx, *dbURL, func() (int64, int64, bool) {
				lo := next.Add(*chunk) - *chunk + 1
				return lo, min(lo+*chunk-1, last), lo <= last
			}, func(c *pgx.Conn, lo, hi int64) error {
				argsT := pgx.NamedArgs{"lo": lo, "hi": hi, "base": base, "n": float64(*n), "span": span,
					"start": start, "now": now, "codes": codes, "admin": admin}
				argsC := pgx.NamedArgs{"lo": lo, "hi": hi, "share": *share}
				err := pgx.BeginFunc(wctx, c, func(tx pgx.Tx) error {
					if _, err := tx.Exec(wctx, seedTickets, argsT); err != nil {
						return fmt.Errorf("tickets %d..%d: %w", lo, hi, err)
					}
					if _, err := tx.Exec(wctx, seedStates, argsC); err != nil {
						return fmt.Errorf("states %d..%d: %w", lo, hi, err)
					}
					if *share > 0 {
						if _, err := tx.Exec(wctx, seedClocks, argsC); err != nil {
							return fmt.Errorf("clocks %d..%d: %w", lo, hi, err)
						}
					}
					return nil
				})
				if err != nil {
					return err
				}
				d := done.Add(hi - lo + 1)
				mu.Lock()
				fmt.Fprintf(out, "seed: %7d / %d tickets  %5.1fs\n", d, *n, time.Since(begin).Seconds())
				mu.Unlock()
				return nil
			})
			if errs[w] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	inserted := time.Since(begin)
	if _, err := conn.Exec(ctx, `SELECT setval('tickets_id_seq', (SELECT max(id) FROM tickets))`); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	// A production table has been vacuumed: visibility map set, hint bits
	// written, statistics current. Without it the first reads pay for that.
	stmt := `ANALYZE tickets, sla_clocks, ticket_states`
	if *vacuum {
		stmt = `VACUUM (ANALYZE) tickets, sla_clocks, ticket_states`
	}
	if _, err := conn.Exec(ctx, `SET maintenance_work_mem = '256MB'`); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("seed: %s: %w", stmt, err)
	}
	var tickets, clocks int64
	var size string
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM sla_clocks),
		pg_size_pretty(pg_total_relation_size('tickets') + pg_total_relation_size('sla_clocks'))`).Scan(&tickets, &clocks, &size); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	total := time.Since(begin)
	fmt.Fprintf(out, "seed: done in %.1fs (insert %.1fs, %s %.1fs): tickets %d, sla_clocks %d, %s on disk\n",
		total.Seconds(), inserted.Seconds(), stmt, (total - inserted).Seconds(), tickets, clocks, size)
	return nil
}

// seedWorker runs chunk on its own connection for every id range take
// hands out, until take says there are no more.
func seedWorker(ctx context.Context, url string, take func() (lo, hi int64, ok bool), chunk func(c *pgx.Conn, lo, hi int64) error) error {
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	// The seed is not what is measured: skip the flush per commit.
	if _, err := c.Exec(ctx, `SET synchronous_commit = off`); err != nil {
		return err
	}
	for {
		lo, hi, ok := take()
		if !ok {
			return nil
		}
		if err := chunk(c, lo, hi); err != nil {
			return err
		}
	}
}
