// Types of the CRM routes, from the generated OpenAPI types.
import type { Schemas } from '../lib/api'

export type Field = Schemas['crm.Field']
export type CustomerSettings = Schemas['crm.CustomerSettings']
export type Customer = Schemas['store.Customer']
export type WorkOrderType = Schemas['api.workOrderTypeView']
export type WorkOrder = Schemas['api.workOrderView']
export type WorkOrderDetail = Schemas['api.workOrderDetail']
export type SummaryForm = Schemas['crm.SummaryForm']

export const priorities = ['low', 'normal', 'high', 'urgent'] as const
export const priorityColor: Record<string, string> = { low: 'default', normal: 'blue', high: 'orange', urgent: 'red' }
