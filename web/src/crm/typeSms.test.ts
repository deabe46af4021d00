import { describe, expect, it } from 'vitest'
import { smsErrorField, smsForm, smsOf, smsRecipients, splitType, withSms } from './typeSms'

describe('work-order type SMS helpers', () => {
  it('starts a type without SMS switched off, with the API defaults ready', () => {
    expect(smsForm(undefined)).toEqual({ enabled: false, template: 'workorder_update', on: ['created', 'status'], to: ['customer'] })
    expect(smsOf(smsForm(undefined))).toBeUndefined()
  })

  it('round-trips a stored SMS through the form', () => {
    const n = { template: 'wo_sms', on: ['commented', 'sla_breached'], customer: false, assignee: true }
    expect(smsForm(n)).toEqual({ enabled: true, template: 'wo_sms', on: ['commented', 'sla_breached'], to: ['assignee'] })
    expect(smsOf(smsForm(n))).toEqual(n)
  })

  it('sends no recipient as false/false so the API can say what is missing', () => {
    expect(smsOf({ enabled: true, template: 'x', on: [], to: [] })).toEqual({ template: 'x', on: [], customer: false, assignee: false })
  })

  it('keeps sms out of the JSON text and lets the form win on save', () => {
    const { json, sms } = splitType({ id: 'c', name: 'C', sms: { template: 't', customer: true } })
    expect(JSON.parse(json)).toEqual({ id: 'c', name: 'C' })
    expect(sms).toEqual({ template: 't', customer: true })
    expect(withSms({ id: 'c', sms: { template: 'typed' } }, { template: 'form', customer: true })).toEqual({ id: 'c', sms: { template: 'form', customer: true } })
    expect(withSms({ id: 'c', sms: { template: 'typed' } }, undefined)).toEqual({ id: 'c' })
  })

  it('maps the API error fields of sms onto the form', () => {
    expect(smsErrorField('sms')).toEqual(['sms', 'to'])
    expect(smsErrorField('sms.template')).toEqual(['sms', 'template'])
    expect(smsErrorField('sms.on[3]')).toEqual(['sms', 'on'])
    expect(smsErrorField('statuses[0].id')).toBeUndefined()
  })

  it('lists the recipients for the table', () => {
    expect(smsRecipients(undefined)).toEqual([])
    expect(smsRecipients({ customer: true, assignee: true })).toEqual(['customer', 'assignee'])
  })
})
