-- +goose Up
-- The enti of the 2017 annual report, with their stable codes (shared/data/enti.csv),
-- and Firenze's patron saint day (San Giovanni, 24 June).
INSERT INTO enti (code, name, kind, contact_center, ced_multiente, created_at, updated_at, version) VALUES
    ('bagno-a-ripoli', 'Bagno a Ripoli', 'comune', TRUE, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('barberino-di-mugello', 'Barberino di Mugello', 'comune', FALSE, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('barberino-val-delsa', 'Barberino Val d''Elsa', 'comune', TRUE, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('borgo-san-lorenzo', 'Borgo San Lorenzo', 'comune', FALSE, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('citta-metropolitana', 'Città Metropolitana di Firenze', 'citta_metropolitana', FALSE, 'not_applicable', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('dicomano', 'Dicomano', 'comune', FALSE, 'covered', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('fiesole', 'Fiesole', 'comune', TRUE, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('figline-incisa', 'Figline e Incisa Valdarno', 'comune', FALSE, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('firenze', 'Firenze', 'comune', TRUE, 'not_applicable', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('firenzuola', 'Firenzuola', 'comune', FALSE, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('londa', 'Londa', 'comune', FALSE, 'covered_by_union', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('marradi', 'Marradi', 'comune', FALSE, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('palazzuolo-sul-senio', 'Palazzuolo sul Senio', 'comune', FALSE, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('pelago', 'Pelago', 'comune', FALSE, 'covered_by_union', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('pontassieve', 'Pontassieve', 'comune', FALSE, 'covered_by_union', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('reggello', 'Reggello', 'comune', FALSE, 'covered_by_union', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('rignano-sullarno', 'Rignano sull''Arno', 'comune', FALSE, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('rufina', 'Rufina', 'comune', FALSE, 'covered_by_union', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('san-casciano', 'San Casciano in Val di Pesa', 'comune', TRUE, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('san-godenzo', 'San Godenzo', 'comune', FALSE, 'covered_by_union', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('scandicci', 'Scandicci', 'comune', TRUE, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('scarperia-san-piero', 'Scarperia e San Piero', 'comune', FALSE, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('sesto-fiorentino', 'Sesto Fiorentino', 'comune', TRUE, 'online', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('tavarnelle', 'Tavarnelle Val di Pesa', 'comune', TRUE, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('vaglia', 'Vaglia', 'comune', FALSE, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('vicchio', 'Vicchio', 'comune', FALSE, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('uc-chianti', 'Unione Comunale del Chianti Fiorentino', 'unione_comuni', FALSE, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('uc-mugello', 'Unione Montana dei Comuni del Mugello', 'unione_comuni', FALSE, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1),
    ('uc-valdarno-valdisieve', 'Unione di Comuni Valdarno e Valdisieve', 'unione_comuni', FALSE, 'covered_by_union', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1);
INSERT INTO ente_closures (ente_code, month, day, year, from_year, reason) VALUES ('firenze', 6, 24, 0, 0, 'San Giovanni');

-- +goose Down
DELETE FROM ente_closures WHERE ente_code = 'firenze' AND month = 6 AND day = 24;
DELETE FROM enti WHERE code IN ('bagno-a-ripoli', 'barberino-di-mugello', 'barberino-val-delsa', 'borgo-san-lorenzo', 'citta-metropolitana', 'dicomano', 'fiesole', 'figline-incisa', 'firenze', 'firenzuola', 'londa', 'marradi', 'palazzuolo-sul-senio', 'pelago', 'pontassieve', 'reggello', 'rignano-sullarno', 'rufina', 'san-casciano', 'san-godenzo', 'scandicci', 'scarperia-san-piero', 'sesto-fiorentino', 'tavarnelle', 'vaglia', 'vicchio', 'uc-chianti', 'uc-mugello', 'uc-valdarno-valdisieve');
