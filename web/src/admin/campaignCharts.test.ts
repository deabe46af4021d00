import { describe, expect, it } from 'vitest'
import { percentTop } from './CampaignDetail'

// The abandon charts' percent axis leaves room above the cap and the
// highest rate, so a 3 % cap is not drawn flat on a 0-100 % axis.
describe('percentTop', () => {
  it('tops the axis a quarter above the larger of the cap and the rates, in whole percent, at most 100', () => {
    expect(percentTop(3, [0.5, 1.2])).toBe(4)
    expect(percentTop(3, [5.1])).toBe(7)
    expect(percentTop(undefined, [])).toBe(2)
    expect(percentTop(50, [95])).toBe(100)
  })
})
