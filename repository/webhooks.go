package repository

import (
	"context"
	"strings"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

type webhookRow struct {
	ID             int64 `gorm:"primaryKey"`
	URL            string
	EventTypes     string // comma-separated
	Enabled        bool
	Secret         string
	DisabledReason string
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
}

func (webhookRow) TableName() string { return "webhooks" }

func toWebhookRow(w domain.Webhook) webhookRow {
	return webhookRow{ID: w.ID, URL: w.URL, EventTypes: strings.Join(w.EventTypes, ","), Enabled: w.Enabled,
		Secret: w.Secret, DisabledReason: w.DisabledReason, CreatedAt: utc(w.CreatedAt), UpdatedAt: utc(w.UpdatedAt)}
}

func (r webhookRow) toDomain() domain.Webhook {
	w := domain.Webhook{ID: r.ID, URL: r.URL, Enabled: r.Enabled, Secret: r.Secret,
		DisabledReason: r.DisabledReason, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	w.EventTypes = eventTypes(r.EventTypes)
	return w
}

// eventTypes splits a webhooks.event_types column (comma-separated).
func eventTypes(col string) []string {
	if col == "" {
		return nil
	}
	return strings.Split(col, ",")
}

type webhookDeliveryRow struct {
	ID          int64 `gorm:"primaryKey"`
	WebhookID   int64
	MessageID   string
	EventType   string
	Payload     string
	Attempt     int
	StatusCode  int
	DurationMs  int64
	Error       string
	AttemptedAt time.Time
}

func (webhookDeliveryRow) TableName() string { return "webhook_deliveries" }

func (r webhookDeliveryRow) toDomain() domain.Delivery {
	return domain.Delivery{ID: r.ID, WebhookID: r.WebhookID, MessageID: r.MessageID, EventType: domain.EventType(r.EventType),
		Payload: r.Payload, Attempt: r.Attempt, StatusCode: r.StatusCode, Duration: time.Duration(r.DurationMs) * time.Millisecond,
		Error: r.Error, AttemptedAt: r.AttemptedAt.UTC()}
}

// CreateWebhook stores a new endpoint.
func (s *Store) CreateWebhook(ctx context.Context, w domain.Webhook) (domain.Webhook, error) {
	row := toWebhookRow(w)
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		return w, translate(err)
	}
	return row.toDomain(), nil
}

// ListWebhooks returns every endpoint, by id.
func (s *Store) ListWebhooks(ctx context.Context) ([]domain.Webhook, error) {
	var rows []webhookRow
	if err := s.conn(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.Webhook, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// GetWebhook returns one endpoint.
func (s *Store) GetWebhook(ctx context.Context, id int64) (domain.Webhook, error) {
	var row webhookRow
	if err := s.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return domain.Webhook{}, missing(err, notFound("webhook %d not found", id))
	}
	return row.toDomain(), nil
}

// UpdateWebhook locks an endpoint, lets fn change it and saves it.
func (s *Store) UpdateWebhook(ctx context.Context, id int64, fn func(*domain.Webhook) error) (domain.Webhook, error) {
	var w domain.Webhook
	err := s.InTx(ctx, func(ctx context.Context) error {
		var row webhookRow
		if err := s.forUpdate(s.conn(ctx)).Where("id = ?", id).Take(&row).Error; err != nil {
			return missing(err, notFound("webhook %d not found", id))
		}
		w = row.toDomain()
		if err := fn(&w); err != nil {
			return err
		}
		nr := toWebhookRow(w)
		return translate(s.conn(ctx).Model(&webhookRow{}).Where("id = ?", id).Select("*").Omit("id", "created_at", "secret").Updates(&nr).Error)
	})
	return w, err
}

// DeleteWebhook removes an endpoint and, by cascade, its delivery log.
func (s *Store) DeleteWebhook(ctx context.Context, id int64) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		// SQLite cascades only with foreign keys on; delete the log explicitly.
		if err := db.Where("webhook_id = ?", id).Delete(&webhookDeliveryRow{}).Error; err != nil {
			return translate(err)
		}
		res := db.Where("id = ?", id).Delete(&webhookRow{})
		if res.Error != nil {
			return translate(res.Error)
		}
		if res.RowsAffected == 0 {
			return notFound("webhook %d not found", id)
		}
		return nil
	})
}

// RecordDelivery logs one delivery attempt.
func (s *Store) RecordDelivery(ctx context.Context, d domain.Delivery) (domain.Delivery, error) {
	row := webhookDeliveryRow{WebhookID: d.WebhookID, MessageID: d.MessageID, EventType: string(d.EventType), Payload: d.Payload,
		Attempt: d.Attempt, StatusCode: d.StatusCode, DurationMs: d.Duration.Milliseconds(), Error: d.Error, AttemptedAt: utc(d.AttemptedAt)}
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		return d, translate(err)
	}
	return row.toDomain(), nil
}

// ListDeliveries returns an endpoint's latest delivery attempts, newest first.
func (s *Store) ListDeliveries(ctx context.Context, webhookID int64, limit int) ([]domain.Delivery, error) {
	var rows []webhookDeliveryRow
	if err := s.conn(ctx).Where("webhook_id = ?", webhookID).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.Delivery, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// GetDelivery returns one logged attempt.
func (s *Store) GetDelivery(ctx context.Context, id int64) (domain.Delivery, error) {
	var row webhookDeliveryRow
	if err := s.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return domain.Delivery{}, missing(err, notFound("delivery %d not found", id))
	}
	return row.toDomain(), nil
}
