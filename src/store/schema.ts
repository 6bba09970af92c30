import type { Generated } from 'kysely';

/** Row types of every table. Times are epoch milliseconds; JSON is stored as text. */

export type ApiTokenTable = {
  id: string;
  name: string;
  token_hash: string;
  role: string;
  created_at: number;
  user_id: string | null;
  kind: Generated<string>;
  expires_at: number | null;
  revoked_at: number | null;
  revoked_by: string | null;
};

export type UserTable = {
  id: string;
  name: string;
  display_name: string;
  email: string | null;
  role: string;
  group_scope: string | null;
  password_hash: string | null;
  disabled_at: number | null;
  disabled_by: string | null;
  created_at: number;
};

export type BlobTable = {
  sha256: string;
  size: number;
  created_at: number;
};

/** A piece of a content file's bytes (PostgreSQL's shared content; empty on SQLite). */
export type BlobChunkTable = {
  sha256: string;
  byte_offset: number;
  size: number;
  /** The SHA-256 of this chunk's bytes, hex. */
  digest: string;
  data: Buffer;
};

export type UpdateTable = {
  id: string;
  title: string;
  severity: string;
  classification: string;
  manifest: string;
  content_hash: string;
  created_at: number;
};

export type UpdateFileTable = {
  update_id: string;
  path: string;
  sha256: string;
  size: number;
};

export type EnrollmentTokenTable = {
  id: string;
  token_hash: string;
  group_id: string | null;
  expires_at: number | null;
  uses_left: number | null;
  uses: Generated<number>;
  created_at: number;
  revoked_at: number | null;
  revoked_by: string | null;
};

export type ComputerTable = {
  id: string;
  credential_hash: string;
  hostname: string;
  os: string;
  os_version: string;
  arch: string;
  hardware_id: string;
  free_disk_mb: number;
  agent_version: string;
  ip_addresses: string;
  site: string | null;
  boot_time: string | null;
  enrolled_at: number;
  last_seen_at: number | null;
  report_seq: Generated<number>;
  reimaged_at: number | null;
  reimage_count: Generated<number>;
  /** Hash of the nonce the agent enrolled with: its retry finds this computer. */
  enrollment_nonce_hash: string | null;
  revoked_at: number | null;
  revoked_by: string | null;
  /** The agent's last scan with every finding acknowledged (told at check-in). */
  scanned_at: number | null;
  /** The e-mail of the person who uses it (from inventory), told the rollout schedule. */
  owner_email: string | null;
  /** The hash of the package list last stored for it (computer_packages). */
  packages_hash: Generated<string | null>;
  inventory_hash: Generated<string | null>;
  /** The site its agent told (`--site`); `site` is the effective one (a rule's, else). */
  reported_site: Generated<string | null>;
  /** Where `site` came from: agent | rule; null: no site. */
  site_source: Generated<string | null>;
  /** The subnet of the rule that placed it, when site_source is `rule`. */
  site_rule: Generated<string | null>;
  /** The address the server saw its last enrollment or check-in from. */
  seen_address: Generated<string | null>;
};

/** One installed package of a computer, as its agent reported it. */
export type ComputerPackageTable = {
  computer_id: string;
  name: string;
  arch: string;
  version: string;
  manager: string;
};

/** A claimed re-image of `computer_id`, waiting for (or given) an admin's decision. */
export type ReimageRequestTable = {
  id: string;
  computer_id: string;
  nonce_hash: string;
  enrollment_id: string;
  /** The credential the agent gets once an admin approves. */
  credential_hash: string;
  /** The claiming agent's inventory, as JSON. */
  inventory: string;
  /** pending | approved | refused */
  state: string;
  requested_at: number;
  decided_at: number | null;
  decided_by: string | null;
};

export type GroupTable = {
  id: string;
  name: string;
  query: string | null;
  /** JSON array of maintenance windows. */
  windows: Generated<string>;
  /** The client policy for its computers (notify | auto-download | scheduled); null: none set. */
  policy: string | null;
  /** Told the rollout schedule for its computers that report no owner e-mail; null: none. */
  owner_email: string | null;
  created_at: number;
};

export type GroupMemberTable = {
  group_id: string;
  computer_id: string;
};

export type DeploymentTable = {
  id: string;
  /** The first update, written for old readers; the updates are in deployment_updates. */
  update_id: string;
  /** active | halted | revoked | completed | rolling-back | rolled-back */
  state: string;
  created_at: number;
  /** The plan as JSON (validated, defaults filled in). */
  plan: string | null;
  action: Generated<string>;
  /** Why the deployment is in its state (halted: the gate or the admin's reason). */
  state_reason: string | null;
  /** The client policy it sets explicitly; null: its computers' groups decide. */
  policy: string | null;
  deadline: number | null;
  /** Failed computers that reported before this are assigned the update again now. */
  readvertised_at: number | null;
  next_evaluation_at: number | null;
  waiting_for: string | null;
  updated_at: number | null;
};

/** The updates a deployment carries, in the order approved. */
export type DeploymentUpdateTable = {
  deployment_id: string;
  update_id: string;
  position: number;
  /** 1 when the update's manifest has an uninstall command. */
  uninstallable: number;
};

export type DeploymentPhaseTable = {
  deployment_id: string;
  idx: number;
  name: string;
  opened_at: number | null;
  promoted_at: number | null;
};

/** The phase a computer is in for one deployment (its placement); never moves. */
export type PlacementTable = {
  deployment_id: string;
  computer_id: string;
  phase: number;
};

export type DeploymentEventTable = {
  id: string;
  deployment_id: string;
  at: number;
  type: string;
  phase: string | null;
  message: string;
  /** `engine`, or who did it. */
  actor: string;
};

/** A time a computer was away (`from_at`..`to_at`), with why (`kind`, `detail`). */
export type AbsenceTable = {
  id: string;
  computer_id: string;
  kind: string;
  from_at: number;
  to_at: number;
  detail: string | null;
  received_at: number;
};

export type DeploymentGroupTable = {
  deployment_id: string;
  group_id: string;
};

export type StatusTable = {
  computer_id: string;
  update_id: string;
  deployment_id: string | null;
  state: string;
  reason: string | null;
  exit_code: number | null;
  output: string | null;
  message: string | null;
  attempts: Generated<number>;
  updated_at: number;
  installed_at: number | null;
  /** Set only while state is `cancelled`: halt | revoke | rollback, the actor, the time. */
  cancelled_by: string | null;
  cancelled_actor: string | null;
  cancelled_at: number | null;
  /** This server's clock when the row last changed: the feed a child sends up reads it. */
  changed_at: Generated<number>;
};

export type StatusEventTable = {
  computer_id: string;
  seq: number;
  update_id: string;
  deployment_id: string | null;
  state: string;
  reason: string | null;
  exit_code: number | null;
  message: string | null;
  observed_at: number;
  received_at: number;
};

/** The counts per phase and state of a deployment when they changed (`seq` per deployment). */
export type DeploymentProgressTable = {
  deployment_id: string;
  seq: number;
  at: number;
  /** JSON: one object per phase, in plan order, of the non-zero counts by status state. */
  counts: string;
};

/** One recorded admin call (append-only); JSON columns are text. */
export type AuditEntryTable = {
  id: Generated<number>;
  at: number;
  actor: string | null;
  token_id: string | null;
  role: string | null;
  from_address: string;
  action: string;
  method: string;
  path: string;
  target: string;
  target_key: string | null;
  body: string | null;
  status: number;
  error: string | null;
  message: string | null;
  before: string | null;
  after: string | null;
};

/** What the scan found of one update on one computer. */
export type ScanResultTable = {
  computer_id: string;
  update_id: string;
  /** found | not-found | error */
  result: string;
  message: string | null;
  detected_at: number;
  changed_at: number;
};

/** A signing key; `private_key` (PKCS #8 PEM) is null once exported and removed. */
export type SigningKeyTable = {
  keyid: string;
  role: string;
  public_key: string;
  private_key: string | null;
  created_at: number;
};

export type RootMetadataTable = {
  version: number;
  /** The signed root, as JSON. */
  body: string;
  expires_at: number;
  created_at: number;
};

/** One computer's signed targets, snapshot and timestamp (`body`, JSON) and their versions. */
export type SignedMetadataTable = {
  computer_id: string;
  content_hash: string;
  root_version: number;
  targets_version: number;
  snapshot_version: number;
  timestamp_version: number;
  targets_expires_at: number;
  timestamp_expires_at: number;
  body: string;
};

/** A check-in answer an agent refused, with why. */
export type RejectionTable = {
  computer_id: string;
  id: string;
  reason: string;
  role: string | null;
  detail: string;
  at: number;
  received_at: number;
};

/** The target a deployment's review measures against, and who set it. */
export type DeploymentSlaTable = {
  deployment_id: string;
  /** JSON: `{ percent, hours }`. */
  sla: string;
  set_by: string;
  set_at: number;
};

/** A follow-up checklist item of a deployment's review, marked done. */
export type ReviewChecklistTable = {
  deployment_id: string;
  item: string;
  done_by: string;
  done_at: number;
  note: string | null;
};

/** A named set of updates that every computer of its groups must have. */
export type BaselineTable = {
  id: string;
  name: string;
  description: string | null;
  created_at: number;
  created_by: string;
};

export type BaselineGroupTable = {
  baseline_id: string;
  group_id: string;
};

export type BaselineUpdateTable = {
  baseline_id: string;
  update_id: string;
  added_at: number;
  added_by: string;
};
/** An editable e-mail template, by kind (approved | reminder). */
export type NotificationTemplateTable = {
  kind: string;
  subject: string;
  text: string;
  html: string;
  updated_at: number;
  updated_by: string;
};

/** One e-mail to one recipient, queued durably and sent in the background. */
export type NotificationTable = {
  id: string;
  deployment_id: string;
  kind: string;
  phase: string | null;
  source_key: string;
  recipient: string;
  audience: string;
  subject: string;
  text_body: string;
  html_body: string;
  ics: string | null;
  /** queued | sent | failed | cancelled */
  state: string;
  attempts: Generated<number>;
  next_attempt_at: number;
  claimed_until: number | null;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
};

export type WebhookTable = {
  id: string;
  url: string;
  secret: string;
  /** JSON array of event types; empty: every event. */
  events: string;
  created_at: number;
  created_by: string;
  removed_at: number | null;
};

/** One deployment event to one webhook, queued durably, retried with backoff. */
export type WebhookDeliveryTable = {
  id: string;
  webhook_id: string;
  event_id: string;
  deployment_id: string;
  event_type: string;
  body: string;
  /** queued | delivered | failed */
  state: string;
  attempts: Generated<number>;
  next_attempt_at: number;
  claimed_until: number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
};

export type AnnouncedEventTable = { event_id: string; at: number };
export type AnnounceCursorTable = { name: string; at: number };

/** A place near a site where its computers download update files (managed or static). */
export type DistributionPointTable = {
  id: string;
  site: string;
  url: string;
  sort_order: number;
  /** managed | static */
  kind: string;
  token_hash: string;
  created_at: number;
  last_seen_at: number | null;
};

/** What a distribution point holds of one file: staged (verified), missing or corrupt. */
export type DistributionPointFileTable = {
  point_id: string;
  sha256: string;
  state: string;
  actual_sha256: string | null;
  detail: string | null;
  /** `point`, or the id of the computer that found the copy bad. */
  reported_by: string;
  reported_at: number;
};

/** A bad or missing copy an agent found at a distribution point (and fetched elsewhere). */
export type ContentProblemTable = {
  id: string;
  computer_id: string;
  point_id: string | null;
  sha256: string;
  problem: string;
  detail: string | null;
  at: number;
};

/** A child server of this one (the parent): its name and the token it calls with. */
export type ChildServerTable = {
  id: string;
  name: string;
  token_id: string;
  created_at: number;
  last_seq: Generated<number>;
  last_sync_at: number | null;
  last_report_at: number | null;
  status_cursor: string | null;
};

/** Whether a child is enabled for a deployment (1) or held (0), as change `seq`. */
export type ChildEnablementTable = {
  child_id: string;
  deployment_id: string;
  enabled: number;
  seq: number;
  changed_at: number;
  changed_by: string;
  /** The last halt, resume or rollback made here of the deployment, carried as change `action_seq`. */
  action: string | null;
  action_seq: number | null;
  action_reason: string | null;
  action_by: string | null;
  action_at: number | null;
};

/** One computer's status on a child, for a deployment of this server (the parent). */
export type ChildComputerStatusTable = {
  child_id: string;
  computer_id: string;
  update_id: string;
  hostname: string;
  deployment_id: string;
  local_deployment_id: string;
  state: string;
  reason: string | null;
  message: string | null;
  updated_at: number;
  changed_at: number;
  received_at: number;
};

/** What a child reported of a deployment: its computers' statuses counted per state. */
export type ChildStatusTable = {
  child_id: string;
  deployment_id: string;
  local_deployment_id: string | null;
  state: string | null;
  counts: string;
  total: number;
  error: string | null;
  counted_at: number;
  received_at: number;
};

/** On a child: its parent, and how far it has pulled. One row. */
export type UpstreamLinkTable = {
  id: string;
  parent_url: string;
  child_name: string | null;
  signer: string | null;
  cursor: Generated<number>;
  last_sync_at: number | null;
  last_report_at: number | null;
  last_error: string | null;
  last_error_at: number | null;
  status_cursor: string | null;
};

/** On a child: a deployment its parent enabled (or held) for it, and the one made here. */
export type UpstreamDeploymentTable = {
  parent_deployment_id: string;
  enabled: number;
  local_deployment_id: string | null;
  error: string | null;
  updated_at: number;
  action: string | null;
  action_seq: number | null;
  action_reason: string | null;
  action_by: string | null;
  applied_action_seq: Generated<number>;
};

/** Computers seen from an address in `cidr` are at `site`, unless their agent tells one. */
export type SiteRuleTable = {
  id: string;
  cidr: string;
  site: string;
  created_at: number;
  created_by: string;
};

export type Database = {
  api_tokens: ApiTokenTable;
  users: UserTable;
  blobs: BlobTable;
  blob_chunks: BlobChunkTable;
  updates: UpdateTable;
  update_files: UpdateFileTable;
  enrollment_tokens: EnrollmentTokenTable;
  computers: ComputerTable;
  computer_packages: ComputerPackageTable;
  reimage_requests: ReimageRequestTable;
  groups: GroupTable;
  group_members: GroupMemberTable;
  deployments: DeploymentTable;
  deployment_groups: DeploymentGroupTable;
  deployment_updates: DeploymentUpdateTable;
  deployment_phases: DeploymentPhaseTable;
  placements: PlacementTable;
  deployment_events: DeploymentEventTable;
  absences: AbsenceTable;
  statuses: StatusTable;
  status_events: StatusEventTable;
  deployment_progress: DeploymentProgressTable;
  audit_entries: AuditEntryTable;
  scan_results: ScanResultTable;
  signing_keys: SigningKeyTable;
  root_metadata: RootMetadataTable;
  signed_metadata: SignedMetadataTable;
  rejections: RejectionTable;
  deployment_slas: DeploymentSlaTable;
  review_checklist: ReviewChecklistTable;
  baselines: BaselineTable;
  baseline_groups: BaselineGroupTable;
  baseline_updates: BaselineUpdateTable;
  notification_templates: NotificationTemplateTable;
  notifications: NotificationTable;
  webhooks: WebhookTable;
  webhook_deliveries: WebhookDeliveryTable;
  announced_events: AnnouncedEventTable;
  announce_cursor: AnnounceCursorTable;
  distribution_points: DistributionPointTable;
  distribution_point_files: DistributionPointFileTable;
  site_rules: SiteRuleTable;
  content_problems: ContentProblemTable;
  child_servers: ChildServerTable;
  child_enablements: ChildEnablementTable;
  child_statuses: ChildStatusTable;
  child_computer_statuses: ChildComputerStatusTable;
  upstream_link: UpstreamLinkTable;
  upstream_deployments: UpstreamDeploymentTable;
};
