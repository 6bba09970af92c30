import { describe, expect, it } from 'vitest';
import { compileRules, describeSiteSource, matchRule, placeSite } from './site-rules.js';

const rules = compileRules([
  { cidr: '10.0.0.0/8', site: 'corp' },
  { cidr: '10.1.0.0/16', site: 'tokyo' },
  { cidr: '10.1.7.0/24', site: 'tokyo-lab' },
  { cidr: '2001:db8::/32', site: 'osaka' },
]);

describe('matchRule', () => {
  it('takes the longest prefix that holds the address, whatever the order rules are given in', () => {
    expect(matchRule(rules, '10.1.7.9')?.site).toBe('tokyo-lab');
    expect(matchRule(rules, '10.1.8.9')?.site).toBe('tokyo');
    expect(matchRule(rules, '10.200.0.1')?.site).toBe('corp');
    expect(matchRule(compileRules([...rules].reverse().map((r) => r.rule)), '10.1.7.9')?.site).toBe(
      'tokyo-lab',
    );
    expect(matchRule(rules, '2001:db8:1::5')?.site).toBe('osaka');
    expect(matchRule(rules, '::ffff:10.1.7.1')?.site).toBe('tokyo-lab');
  });

  it('finds nothing for an address outside every rule, no address, or not an address', () => {
    expect(matchRule(rules, '192.168.1.1')).toBeNull();
    expect(matchRule(rules, null)).toBeNull();
    expect(matchRule(rules, 'not-an-ip')).toBeNull();
    expect(matchRule(compileRules([]), '10.1.7.9')).toBeNull();
  });
});

describe('placeSite', () => {
  it("keeps the agent's site over any rule", () => {
    const placed = placeSite('kyoto', rules, '10.1.7.9');
    expect(placed).toEqual({ site: 'kyoto', source: 'agent', rule: null });
    expect(describeSiteSource(placed)).toBe('agent');
  });

  it('takes the matching rule when the agent tells no site, and says which', () => {
    const placed = placeSite(null, rules, '10.1.8.9');
    expect(placed).toEqual({ site: 'tokyo', source: 'rule', rule: '10.1.0.0/16' });
    expect(describeSiteSource(placed)).toBe('subnet rule 10.1.0.0/16');
  });

  it('has no site when neither the agent nor a rule gives one', () => {
    const placed = placeSite(null, rules, '192.168.1.1');
    expect(placed).toEqual({ site: null, source: null, rule: null });
    expect(describeSiteSource(placed)).toBeNull();
  });
});
