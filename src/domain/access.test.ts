import { describe, expect, it } from 'vitest';
import {
  defaultPermission,
  may,
  outsideScope,
  permissions,
  permissionsOf,
  personRoles,
  roles,
} from './access.js';

describe('access rules', () => {
  it('grants each role exactly its permissions', () => {
    expect(permissionsOf('admin')).toEqual(permissions.filter((p) => p !== 'child'));
    expect(permissionsOf('operator')).toEqual(['self', 'read', 'deploy']);
    expect(permissionsOf('viewer')).toEqual(['self', 'read']);
    expect(permissionsOf('auditor')).toEqual(['self', 'read', 'audit']);
    expect(permissionsOf('child')).toEqual(['self', 'child']);
    expect(permissionsOf('root')).toEqual([]);
  });

  it('lets only admin do admin work, and every person read', () => {
    for (const role of personRoles) {
      expect(may(role, 'read')).toBe(true);
      expect(may(role, 'admin')).toBe(role === 'admin');
    }
    for (const role of roles) expect(may(role, 'child')).toBe(role === 'child');
    expect(may('child', 'read')).toBe(false);
    expect(may('auditor', 'deploy')).toBe(false);
    expect(may('viewer', 'audit')).toBe(false);
  });

  it('derives a default permission from the method', () => {
    expect(defaultPermission('GET')).toBe('read');
    expect(defaultPermission('POST')).toBe('admin');
    expect(defaultPermission('PUT')).toBe('admin');
  });

  it('names the target groups outside a scope', () => {
    expect(outsideScope(null, ['a', 'b'])).toEqual([]);
    expect(outsideScope(['a'], ['a'])).toEqual([]);
    expect(outsideScope(['a'], ['a', 'b', 'b'])).toEqual(['b']);
    expect(outsideScope([], ['a'])).toEqual(['a']);
  });
});
