package repository

import (
	"context"
	"sync"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// refTTL is how long reference data read by one instance may lag a change
// made through another. Changes made through this store are seen at once.
const refTTL = 5 * time.Second

// refData is the reference data every ticket and intervention create reads:
// the enti, the counter hours, each ente's closures and the SLA targets. It
// is a few dozen rows that change a few times a year, so it is read whole
// and kept for refTTL instead of costing four queries per request.
type refData struct {
	loaded   time.Time
	enti     map[string]domain.Ente
	hours    domain.WeekHours
	closures map[string][]domain.Closure
	targets  domain.SLATargets
}

type refCache struct {
	mu   sync.Mutex
	data *refData
	gen  uint64 // bumped by every change, so a load that raced one is not kept
}

// ref returns the current reference data, reloading it when stale. The
// lock is not held while loading: on SQLite the one connection may belong
// to a transaction whose goroutine is waiting here.
func (s *Store) ref(ctx context.Context) (*refData, error) {
	s.refs.mu.Lock()
	d, gen := s.refs.data, s.refs.gen
	s.refs.mu.Unlock()
	if d != nil && time.Since(d.loaded) < refTTL {
		return d, nil
	}
	d, err := s.loadRef(ctx)
	if err != nil {
		return nil, err
	}
	s.refs.mu.Lock()
	if s.refs.gen == gen {
		s.refs.data = d
	}
	s.refs.mu.Unlock()
	return d, nil
}

func (s *Store) loadRef(ctx context.Context) (*refData, error) {
	d := &refData{loaded: time.Now(), enti: map[string]domain.Ente{}, closures: map[string][]domain.Closure{}}
	var enti []enteRow
	if err := s.conn(ctx).Find(&enti).Error; err != nil {
		return nil, translate(err)
	}
	for _, r := range enti {
		d.enti[r.Code] = r.toDomain()
	}
	var closures []closureRow
	if err := s.conn(ctx).Order("month, day, id").Find(&closures).Error; err != nil {
		return nil, translate(err)
	}
	for _, r := range closures {
		d.closures[r.EnteCode] = append(d.closures[r.EnteCode], r.toDomain().Closure)
	}
	d.hours = domain.DefaultWeekHours()
	if err := s.getSetting(ctx, settingWeekHours, &d.hours); err != nil {
		return nil, err
	}
	d.targets = domain.DefaultSLATargets()
	if err := s.getSetting(ctx, settingSLATargets, &d.targets); err != nil {
		return nil, err
	}
	return d, nil
}

// forgetRef drops the cached reference data after a change to it.
func (s *Store) forgetRef() {
	s.refs.mu.Lock()
	s.refs.data = nil
	s.refs.gen++
	s.refs.mu.Unlock()
}
