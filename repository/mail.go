package repository

import (
	"context"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

type mailRow struct {
	ID        int64 `gorm:"primaryKey"`
	Kind      string
	Recipient string
	Subject   string
	Status    string
	Error     string
	TicketID  *int64
	OutageID  *int64
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	SentAt    *time.Time
}

func (mailRow) TableName() string { return "mail_log" }

func (r mailRow) toDomain() domain.Mail {
	return domain.Mail{ID: r.ID, Kind: domain.EventType(r.Kind), To: r.Recipient, Subject: r.Subject, Status: domain.MailStatus(r.Status),
		Error: r.Error, TicketID: r.TicketID, OutageID: r.OutageID, CreatedAt: r.CreatedAt.UTC(), SentAt: utcPtr(r.SentAt)}
}

// LogMail records a mail about to be queued.
func (s *Store) LogMail(ctx context.Context, m domain.Mail) (domain.Mail, error) {
	row := mailRow{Kind: string(m.Kind), Recipient: m.To, Subject: m.Subject, Status: string(m.Status), Error: m.Error,
		TicketID: m.TicketID, OutageID: m.OutageID, CreatedAt: utc(m.CreatedAt), SentAt: utcPtr(m.SentAt)}
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		return m, translate(err)
	}
	m.ID = row.ID
	return m, nil
}

// MailOutcome records how a send went.
func (s *Store) MailOutcome(ctx context.Context, id int64, status domain.MailStatus, errText string, sentAt *time.Time) error {
	return translate(s.conn(ctx).Model(&mailRow{}).Where("id = ?", id).
		Updates(map[string]any{"status": string(status), "error": errText, "sent_at": utcPtr(sentAt)}).Error)
}

// ListMail returns the latest mails, newest first.
func (s *Store) ListMail(ctx context.Context, limit int) ([]domain.Mail, error) {
	var rows []mailRow
	if err := s.conn(ctx).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.Mail, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}
