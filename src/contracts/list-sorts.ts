/** Each list's sortable fields (no zod here: the CLI's help reads them). */

export const computerSorts = ['hostname', 'id', 'enrolledAt', 'os'] as const;
export type ComputerSort = (typeof computerSorts)[number];

export const updateSorts = ['createdAt', 'id', 'title'] as const;
export type UpdateSort = (typeof updateSorts)[number];

export const deploymentSorts = ['createdAt', 'id', 'state'] as const;
export type DeploymentSort = (typeof deploymentSorts)[number];

export const enrollmentSorts = ['createdAt', 'id'] as const;
export type EnrollmentSort = (typeof enrollmentSorts)[number];

export const groupSorts = ['name', 'createdAt'] as const;
export type GroupSort = (typeof groupSorts)[number];

export const reimageSorts = ['requestedAt', 'id'] as const;
export type ReimageSort = (typeof reimageSorts)[number];

export const eventSorts = ['at'] as const;
export type EventSort = (typeof eventSorts)[number];

export const deploymentComputerSorts = ['hostname', 'id'] as const;
export type DeploymentComputerSort = (typeof deploymentComputerSorts)[number];

export const baselineSorts = ['name', 'createdAt'] as const;
export type BaselineSort = (typeof baselineSorts)[number];

/** A group's kind: `static` (members added by hand) or `query` (members by inventory). */
export const groupKinds = ['static', 'query'] as const;
export type GroupKind = (typeof groupKinds)[number];
