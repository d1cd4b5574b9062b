/** Table types for the query builder; they mirror `migrations/` exactly. */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T> = ColumnType<T, string | undefined, string>;
/** numeric columns arrive as strings so no money is rounded through a float. */
type Numeric = ColumnType<string, string | number, string | number>;

export type TenantSettings = {
  contactEmail?: string;
  contactPhone?: string;
  logoUrl?: string;
  accentColor?: string;
  whatToBring?: string[];
  policies?: string[];
  checklist?: string[];
};

export interface TenantsTable {
  id: Generated<string>;
  slug: string;
  name: string;
  timezone: string;
  settings: Json<TenantSettings>;
  created_at: CreatedAt;
}

export interface SitesTable {
  id: Generated<string>;
  tenant_id: string;
  domain: string;
  role: 'guest' | 'ops';
  cdn: Json<Record<string, unknown>>;
  created_at: CreatedAt;
}

export interface VesselsTable {
  id: Generated<string>;
  tenant_id: string;
  slug: string;
  name: string;
  capacity: number;
  meeting_point: ColumnType<string, string | undefined, string>;
  timezone: string;
  created_at: CreatedAt;
}

export interface CrewMembersTable {
  id: Generated<string>;
  tenant_id: string;
  name: string;
  email: string;
  phone: string | null;
  role: 'captain' | 'crew';
  created_at: CreatedAt;
}

export interface StaffUsersTable {
  id: Generated<string>;
  tenant_id: string;
  name: string;
  email: string;
  role: 'owner' | 'staff';
  created_at: CreatedAt;
}

export type BookingStatus = 'hold' | 'confirmed' | 'cancelled' | 'completed';

export interface BookingsTable {
  tenant_id: string;
  id: string;
  status: BookingStatus;
  guest_name: string;
  guest_email: string;
  guest_phone: string | null;
  party_size: number;
  vessel_id: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  timezone: string;
  pricing_total: Numeric | null;
  currency: string | null;
  captain_fee_per_hour: Numeric | null;
  notes_internal: string | null;
  notes_crew: string | null;
  notes_guest: string | null;
  friendly_slug: string | null;
  version: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface CrewEventsTable {
  tenant_id: string;
  booking_id: string;
  notes: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export type AssignmentStatus = 'invited' | 'accepted' | 'declined';

export interface AssignmentsTable {
  id: Generated<string>;
  tenant_id: string;
  booking_id: string;
  crew_member_id: string;
  role: 'captain' | 'crew';
  status: ColumnType<AssignmentStatus, AssignmentStatus | undefined, AssignmentStatus>;
  decline_reason: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface CalendarEntriesTable {
  id: Generated<string>;
  tenant_id: string;
  date: string;
  event_type: string;
  booking_id: string | null;
  title: string | null;
  created_at: CreatedAt;
}

export type KeyKind = 'service' | 'dashboard';

export interface ApiKeysTable {
  id: Generated<string>;
  tenant_id: string;
  kind: KeyKind;
  prefix: string;
  hash: string;
  scopes: string[];
  label: string | null;
  created_at: CreatedAt;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface IdempotencyRecordsTable {
  tenant_id: string;
  key: string;
  request_hash: string;
  status: number;
  body: Json<unknown>;
  created_at: CreatedAt;
}

export type ActorKind = 'key' | 'staff' | 'crew' | 'system' | 'operator';

export interface AuditLogTable {
  id: Generated<string>;
  tenant_id: string;
  actor_kind: ActorKind;
  actor_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string;
  before: Json<unknown> | null;
  after: Json<unknown> | null;
  created_at: CreatedAt;
}

export interface Database {
  tenants: TenantsTable;
  sites: SitesTable;
  vessels: VesselsTable;
  crew_members: CrewMembersTable;
  staff_users: StaffUsersTable;
  bookings: BookingsTable;
  crew_events: CrewEventsTable;
  assignments: AssignmentsTable;
  calendar_entries: CalendarEntriesTable;
  api_keys: ApiKeysTable;
  idempotency_records: IdempotencyRecordsTable;
  audit_log: AuditLogTable;
}
