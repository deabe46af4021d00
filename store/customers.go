package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Customer is one customer record (docs/customers.md). Numbers are
// E.164-ish strings as callers present them; each belongs to at most one
// customer of the tenant.
type Customer struct {
	ID        int64          `json:"id"`
	TenantID  string         `json:"-"`
	Name      string         `json:"name"`
	Company   string         `json:"company"`
	Numbers   []string       `json:"numbers"`
	Tags      []string       `json:"tags"`
	Fields    map[string]any `json:"fields"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

type customerRow struct {
	ID        int64     `db:"id"`
	TenantID  string    `db:"tenant_id"`
	Name      string    `db:"name"`
	Company   string    `db:"company"`
	Numbers   string    `db:"numbers"`
	Tags      string    `db:"tags"`
	Fields    string    `db:"fields"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

const customerCols = `id, tenant_id, name, company, numbers, tags, fields, created_at, updated_at`

func (r customerRow) customer() Customer {
	c := Customer{ID: r.ID, TenantID: r.TenantID, Name: r.Name, Company: r.Company, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	_ = json.Unmarshal([]byte(r.Numbers), &c.Numbers)
	_ = json.Unmarshal([]byte(r.Tags), &c.Tags)
	_ = json.Unmarshal([]byte(r.Fields), &c.Fields)
	if c.Numbers == nil {
		c.Numbers = []string{}
	}
	if c.Tags == nil {
		c.Tags = []string{}
	}
	if c.Fields == nil {
		c.Fields = map[string]any{}
	}
	return c
}

func jsonText(v any, empty string) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return empty
	}
	return string(b)
}

// GetCustomerFields returns the tenant's customer settings (crm.CustomerSettings
// as JSON: field definitions and number masking; "{}" when none were saved).
func (s *Store) GetCustomerFields(ctx context.Context, tenant string) (string, error) {
	var f string
	err := s.db.GetContext(ctx, &f, s.Rebind(`SELECT fields FROM customer_fields WHERE tenant_id = ?`), tenant)
	if err != nil {
		if IsNotFound(mapErr(err)) {
			return "{}", nil
		}
		return "", fmt.Errorf("store: customer fields: %w", err)
	}
	return f, nil
}

// PutCustomerFields replaces the tenant's customer settings.
func (s *Store) PutCustomerFields(ctx context.Context, tenant, fields string) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM customer_fields WHERE tenant_id = ?`), tenant); err != nil {
			return fmt.Errorf("store: put customer fields: %w", err)
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO customer_fields (tenant_id, fields, updated_at) VALUES (?,?,?)`), tenant, fields, now()); err != nil {
			return fmt.Errorf("store: put customer fields: %w", err)
		}
		return nil
	})
}

// CreateCustomer stores a new customer and fills its ID; ErrConflict
// (naming the number) when one of its numbers belongs to another customer.
func (s *Store) CreateCustomer(ctx context.Context, c *Customer) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error { return s.createCustomerTx(ctx, tx, c) })
}

func (s *Store) createCustomerTx(ctx context.Context, tx *sqlx.Tx, c *Customer) error {
	c.CreatedAt = now()
	c.UpdatedAt = c.CreatedAt
	err := tx.GetContext(ctx, &c.ID, tx.Rebind(`INSERT INTO customers (tenant_id, name, company, numbers, tags, fields, created_at, updated_at)
		VALUES (?,?,?,?,?,?,?,?) RETURNING id`), c.TenantID, c.Name, c.Company, jsonText(c.Numbers, "[]"), jsonText(c.Tags, "[]"), jsonText(c.Fields, "{}"), c.CreatedAt, c.UpdatedAt)
	if err != nil {
		return fmt.Errorf("store: create customer %q: %w", c.Name, mapErr(err))
	}
	return s.putNumbersTx(ctx, tx, c)
}

func (s *Store) putNumbersTx(ctx context.Context, tx *sqlx.Tx, c *Customer) error {
	if _, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM customer_numbers WHERE tenant_id = ? AND customer_id = ?`), c.TenantID, c.ID); err != nil {
		return fmt.Errorf("store: customer %d numbers: %w", c.ID, err)
	}
	for _, n := range c.Numbers {
		var owner int64
		err := tx.GetContext(ctx, &owner, tx.Rebind(`SELECT customer_id FROM customer_numbers WHERE tenant_id = ? AND number = ?`), c.TenantID, n)
		if err == nil {
			return fmt.Errorf("store: number %s belongs to customer %d: %w", n, owner, ErrConflict)
		}
		if !IsNotFound(mapErr(err)) {
			return fmt.Errorf("store: customer number %s: %w", n, err)
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO customer_numbers (tenant_id, number, customer_id) VALUES (?,?,?)`), c.TenantID, n, c.ID); err != nil {
			return fmt.Errorf("store: customer number %s: %w", n, mapErr(err))
		}
	}
	return nil
}

// UpdateCustomer replaces a customer's name, company, numbers, tags and
// fields.
func (s *Store) UpdateCustomer(ctx context.Context, c *Customer) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		c.UpdatedAt = now()
		res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE customers SET name = ?, company = ?, numbers = ?, tags = ?, fields = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`),
			c.Name, c.Company, jsonText(c.Numbers, "[]"), jsonText(c.Tags, "[]"), jsonText(c.Fields, "{}"), c.UpdatedAt, c.TenantID, c.ID)
		if err != nil {
			return fmt.Errorf("store: update customer %d: %w", c.ID, mapErr(err))
		}
		if err := affectedOne(res, "customer", fmt.Sprint(c.ID)); err != nil {
			return err
		}
		return s.putNumbersTx(ctx, tx, c)
	})
}

// DeleteCustomer removes a customer and its numbers.
func (s *Store) DeleteCustomer(ctx context.Context, tenant string, id int64) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM customers WHERE tenant_id = ? AND id = ?`), tenant, id)
		if err != nil {
			return fmt.Errorf("store: delete customer %d: %w", id, err)
		}
		if err := affectedOne(res, "customer", fmt.Sprint(id)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, tx.Rebind(`DELETE FROM customer_numbers WHERE tenant_id = ? AND customer_id = ?`), tenant, id)
		return err
	})
}

// GetCustomer loads one customer.
func (s *Store) GetCustomer(ctx context.Context, tenant string, id int64) (*Customer, error) {
	var r customerRow
	if err := s.db.GetContext(ctx, &r, s.Rebind(`SELECT `+customerCols+` FROM customers WHERE tenant_id = ? AND id = ?`), tenant, id); err != nil {
		return nil, fmt.Errorf("store: get customer %d: %w", id, mapErr(err))
	}
	c := r.customer()
	return &c, nil
}

// CustomerByNumber finds the customer owning a number; ErrNotFound when
// none does.
func (s *Store) CustomerByNumber(ctx context.Context, tenant, number string) (*Customer, error) {
	var id int64
	if err := s.db.GetContext(ctx, &id, s.Rebind(`SELECT customer_id FROM customer_numbers WHERE tenant_id = ? AND number = ?`), tenant, number); err != nil {
		return nil, fmt.Errorf("store: customer of number %s: %w", number, mapErr(err))
	}
	return s.GetCustomer(ctx, tenant, id)
}

// CustomerFilter narrows ListCustomers: Q matches name, company or a
// number (substring); Tag a tag exactly.
type CustomerFilter struct {
	Q      string
	Tag    string
	Limit  int
	Offset int
}

// ListCustomers lists customers by name.
func (s *Store) ListCustomers(ctx context.Context, tenant string, f CustomerFilter) ([]Customer, error) {
	q := `SELECT ` + customerCols + ` FROM customers WHERE tenant_id = ?`
	args := []any{tenant}
	if f.Q != "" {
		like := "%" + strings.ToLower(f.Q) + "%"
		q += ` AND (LOWER(name) LIKE ? OR LOWER(company) LIKE ? OR numbers LIKE ?)`
		args = append(args, like, like, like)
	}
	if f.Tag != "" {
		q += ` AND tags LIKE ?`
		args = append(args, "%"+jsonText(f.Tag, "")+"%")
	}
	q += ` ORDER BY name, id`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d OFFSET %d`, f.Limit, max(f.Offset, 0))
	}
	var rows []customerRow
	if err := s.db.SelectContext(ctx, &rows, s.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("store: list customers: %w", err)
	}
	out := make([]Customer, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.customer())
	}
	return out, nil
}

// ImportError names the row of an import that failed (1-based, as counted
// by the caller: the CSV line).
type ImportError struct {
	Row int
	Err error
}

func (e *ImportError) Error() string { return fmt.Sprintf("row %d: %v", e.Row, e.Err) }
func (e *ImportError) Unwrap() error { return e.Err }

// ImportCustomers creates all the customers in one transaction: a failing
// one (rows[i] is its CSV line) rolls everything back and is named.
func (s *Store) ImportCustomers(ctx context.Context, cs []Customer, rows []int) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		for i := range cs {
			if err := s.createCustomerTx(ctx, tx, &cs[i]); err != nil {
				return &ImportError{Row: rows[i], Err: err}
			}
		}
		return nil
	})
}
