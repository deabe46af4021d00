import { agentGroups, filterAgents } from './filter'
import type { AgentSnapshot } from '../lib/api'

const agents: AgentSnapshot[] = [
  { agent_id: 'a', name: '张伟 Zhang Wei', work_number: '8001', group: '一组 Team 1', state: 'available', queues: [{ queue_id: 'sales', logged_in: true }] },
  { agent_id: 'b', name: '王芳 Wang Fang', work_number: '8002', group: '一组 Team 1', state: 'on-call', queues: [{ queue_id: 'support', logged_in: true }] },
  { agent_id: 'c', name: '李娜 Li Na', work_number: '8003', group: '二组 Team 2', state: 'available', queues: [{ queue_id: 'sales', logged_in: false }] },
  { agent_id: 'd', name: 'Nobody', state: 'logged-out', queues: [] },
] as AgentSnapshot[]
const ids = (xs: AgentSnapshot[]) => xs.map((a) => a.agent_id)

describe('filterAgents', () => {
  it('filters by group (班组)', () => {
    expect(ids(filterAgents(agents, { group: '一组 Team 1' }))).toEqual(['a', 'b'])
    expect(ids(filterAgents(agents, { group: '二组 Team 2' }))).toEqual(['c'])
  })
  it('filters by queue: agents signed in to it', () => {
    expect(ids(filterAgents(agents, { queue: 'sales' }))).toEqual(['a'])
  })
  it('combines queue, group, state and search', () => {
    expect(ids(filterAgents(agents, { queue: 'support', group: '一组 Team 1' }))).toEqual(['b'])
    expect(ids(filterAgents(agents, { queue: 'sales', group: '二组 Team 2' }))).toEqual([])
    expect(ids(filterAgents(agents, { group: '一组 Team 1', state: 'available' }))).toEqual(['a'])
    expect(ids(filterAgents(agents, { group: '一组 Team 1', search: 'wang' }))).toEqual(['b'])
    expect(ids(filterAgents(agents, { search: '8003' }))).toEqual(['c'])
  })
  it('shows everyone without filters', () => {
    expect(ids(filterAgents(agents, {}))).toEqual(['a', 'b', 'c', 'd'])
  })
})

describe('agentGroups', () => {
  it('lists each group once, sorted, without the empty one', () => {
    expect(agentGroups(agents)).toEqual(['一组 Team 1', '二组 Team 2'].sort((a, b) => a.localeCompare(b)))
  })
})
