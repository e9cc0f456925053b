//! Subscriptions: which destination gets which topic, when, in which time zone.

use chrono_tz::Tz;
use sqlx::FromRow;

use super::{Result, Store};
use crate::model::{Destination, Platform, TopicFilter};
use crate::schedule::spec::{Schedule, ScheduleError, parse_zone};

#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    pub id: i64,
    pub destination: Destination,
    pub topic: TopicFilter,
    /// Canonical schedule text (see `schedule::spec::Schedule`).
    pub schedule: String,
    /// IANA time zone name.
    pub timezone: String,
    pub paused: bool,
    pub paused_reason: Option<String>,
    pub skip_if_empty: bool,
    /// Longest window a brief covers, however long since the last delivery.
    pub max_window_secs: i64,
    pub next_run_at: i64,
    pub last_delivered_at: Option<i64>,
    pub created_at: i64,
}

impl Subscription {
    /// The stored schedule and time zone, read in one place: the scheduler pauses a row it
    /// cannot read, replies show its text as stored.
    pub fn timing(&self) -> std::result::Result<(Schedule, Tz), ScheduleError> {
        Ok((self.schedule.parse()?, parse_zone(&self.timezone)?))
    }
}

/// What a `subscribe` command stores.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSubscription {
    pub destination: Destination,
    pub topic: TopicFilter,
    pub schedule: String,
    pub timezone: String,
    pub skip_if_empty: bool,
    pub max_window_secs: i64,
    pub next_run_at: i64,
    /// The chat member who made it; `None` for the operator.
    pub created_by: Option<String>,
}

/// How many subscriptions exist around a new one, for the caps on chat commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromRow)]
pub struct SubscriptionCounts {
    /// In the destination's chat, every thread included.
    pub in_chat: i64,
    /// Made by the same member on the same platform.
    pub by_member: i64,
    pub total: i64,
    /// 1 when the destination already has this topic (a new schedule replaces it).
    pub same_topic: i64,
}

/// `next_run_at` of a subscription whose schedule has no further run (a cron with a year
/// that has passed): never due, and shown as finished.
pub const NEVER: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z

#[derive(FromRow)]
struct SubscriptionRow {
    id: i64,
    platform: Platform,
    chat_id: String,
    thread_id: String,
    topic: String,
    schedule: String,
    timezone: String,
    paused: i64,
    paused_reason: Option<String>,
    skip_if_empty: i64,
    max_window_secs: i64,
    next_run_at: i64,
    last_delivered_at: Option<i64>,
    created_at: i64,
}

impl From<SubscriptionRow> for Subscription {
    fn from(row: SubscriptionRow) -> Self {
        let thread = (!row.thread_id.is_empty()).then_some(row.thread_id.as_str());
        Self {
            id: row.id,
            destination: Destination::new(row.platform, &row.chat_id, thread),
            topic: TopicFilter::parse(&row.topic),
            schedule: row.schedule,
            timezone: row.timezone,
            paused: row.paused != 0,
            paused_reason: row.paused_reason,
            skip_if_empty: row.skip_if_empty != 0,
            max_window_secs: row.max_window_secs,
            next_run_at: row.next_run_at,
            last_delivered_at: row.last_delivered_at,
            created_at: row.created_at,
        }
    }
}

const SELECT: &str = "SELECT id, platform, chat_id, thread_id, topic, schedule, timezone, paused, paused_reason, \
     skip_if_empty, max_window_secs, next_run_at, last_delivered_at, created_at FROM subscriptions";

fn thread(destination: &Destination) -> &str {
    destination.thread_id.as_deref().unwrap_or("")
}

impl Store {
    /// Creates a subscription, or replaces the schedule of the same destination and topic
    /// (and resumes it): subscribing twice never makes two.
    pub async fn upsert_subscription(
        &self,
        new: &NewSubscription,
        now: i64,
    ) -> Result<Subscription> {
        sqlx::query(
            "INSERT INTO subscriptions (platform, chat_id, thread_id, topic, schedule, timezone, skip_if_empty, \
             max_window_secs, next_run_at, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (platform, chat_id, thread_id, topic) DO UPDATE SET schedule = excluded.schedule, \
             timezone = excluded.timezone, skip_if_empty = excluded.skip_if_empty, \
             max_window_secs = excluded.max_window_secs, next_run_at = excluded.next_run_at, paused = 0, paused_reason = NULL",
        )
        .bind(new.destination.platform.as_str())
        .bind(&new.destination.chat_id)
        .bind(thread(&new.destination))
        .bind(new.topic.as_str())
        .bind(&new.schedule)
        .bind(&new.timezone)
        .bind(i64::from(new.skip_if_empty))
        .bind(new.max_window_secs)
        .bind(new.next_run_at)
        .bind(now)
        .bind(new.created_by.as_deref())
        .execute(&self.pool)
        .await?;
        let row = sqlx::query_as::<_, SubscriptionRow>(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE platform = $1 AND chat_id = $2 AND thread_id = $3 AND topic = $4"
        )))
        .bind(new.destination.platform.as_str())
        .bind(&new.destination.chat_id)
        .bind(thread(&new.destination))
        .bind(new.topic.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.into())
    }

    /// Counts for the caps a chat command's new subscription must stay within.
    pub async fn subscription_counts(
        &self,
        destination: &Destination,
        topic: &str,
        member: Option<&str>,
    ) -> Result<SubscriptionCounts> {
        let counts = sqlx::query_as::<_, SubscriptionCounts>(
            "SELECT (SELECT COUNT(*) FROM subscriptions WHERE platform = $1 AND chat_id = $2) AS in_chat, \
             (SELECT COUNT(*) FROM subscriptions WHERE platform = $1 AND created_by = $3) AS by_member, \
             (SELECT COUNT(*) FROM subscriptions) AS total, \
             (SELECT COUNT(*) FROM subscriptions WHERE platform = $1 AND chat_id = $2 AND thread_id = $4 AND topic = $5) AS same_topic",
        )
        .bind(destination.platform.as_str())
        .bind(&destination.chat_id)
        .bind(member.unwrap_or(""))
        .bind(thread(destination))
        .bind(topic)
        .fetch_one(&self.pool)
        .await?;
        Ok(counts)
    }

    /// Removes a destination's subscription to `topic`, or all of them when `topic` is None.
    pub async fn delete_subscriptions(
        &self,
        destination: &Destination,
        topic: Option<&str>,
    ) -> Result<u64> {
        let result = sqlx::query(
            "DELETE FROM subscriptions WHERE platform = $1 AND chat_id = $2 AND thread_id = $3 AND ($4 = '' OR topic = $4)",
        )
        .bind(destination.platform.as_str())
        .bind(&destination.chat_id)
        .bind(thread(destination))
        .bind(topic.unwrap_or(""))
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }

    pub async fn subscriptions_for(&self, destination: &Destination) -> Result<Vec<Subscription>> {
        let rows = sqlx::query_as::<_, SubscriptionRow>(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE platform = $1 AND chat_id = $2 AND thread_id = $3 ORDER BY topic"
        )))
        .bind(destination.platform.as_str())
        .bind(&destination.chat_id)
        .bind(thread(destination))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Subscription::from).collect())
    }

    pub async fn all_subscriptions(&self) -> Result<Vec<Subscription>> {
        let rows = sqlx::query_as::<_, SubscriptionRow>(sqlx::AssertSqlSafe(format!(
            "{SELECT} ORDER BY platform, chat_id, thread_id, topic"
        )))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Subscription::from).collect())
    }

    pub async fn subscription(&self, id: i64) -> Result<Option<Subscription>> {
        let row = sqlx::query_as::<_, SubscriptionRow>(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Subscription::from))
    }

    /// Active subscriptions whose next run has come.
    pub async fn due_subscriptions(&self, now: i64, limit: i64) -> Result<Vec<Subscription>> {
        let rows = sqlx::query_as::<_, SubscriptionRow>(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE paused = 0 AND next_run_at <= $1 ORDER BY next_run_at, id LIMIT $2"
        )))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Subscription::from).collect())
    }

    /// Pauses (with a reason shown to admins) or resumes every subscription of a destination.
    /// Only the flag and the reason change: whoever resumes sets the next run
    /// (`commands::resume` moves it to the next time after now, so missed briefs are not sent).
    pub async fn set_destination_paused(
        &self,
        destination: &Destination,
        paused: bool,
        reason: Option<&str>,
    ) -> Result<u64> {
        let result = sqlx::query(
            "UPDATE subscriptions SET paused = $1, paused_reason = $2 WHERE platform = $3 AND chat_id = $4 AND thread_id = $5",
        )
        .bind(i64::from(paused))
        .bind(reason)
        .bind(destination.platform.as_str())
        .bind(&destination.chat_id)
        .bind(thread(destination))
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }

    /// Pauses every subscription in a chat, all threads included (blocked, kicked, deleted).
    pub async fn pause_chat(&self, platform: Platform, chat_id: &str, reason: &str) -> Result<u64> {
        let result = sqlx::query("UPDATE subscriptions SET paused = 1, paused_reason = $1 WHERE platform = $2 AND chat_id = $3")
            .bind(reason)
            .bind(platform.as_str())
            .bind(chat_id)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected())
    }

    pub async fn set_next_run(&self, id: i64, next_run_at: i64) -> Result<()> {
        sqlx::query("UPDATE subscriptions SET next_run_at = $1 WHERE id = $2")
            .bind(next_run_at)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A chat got a new id (Telegram group → supergroup): its subscriptions follow it. Where the
    /// new chat already has the same topic, the old subscription is dropped instead.
    pub async fn move_chat(
        &self,
        platform: Platform,
        old_chat_id: &str,
        new_chat_id: &str,
    ) -> Result<()> {
        let mut transaction = self.pool.begin().await?;
        sqlx::query(
            "DELETE FROM subscriptions WHERE platform = $1 AND chat_id = $2 AND EXISTS (SELECT 1 FROM subscriptions n \
             WHERE n.platform = $1 AND n.chat_id = $3 AND n.thread_id = subscriptions.thread_id AND n.topic = subscriptions.topic)",
        )
        .bind(platform.as_str())
        .bind(old_chat_id)
        .bind(new_chat_id)
        .execute(&mut *transaction)
        .await?;
        sqlx::query("UPDATE subscriptions SET chat_id = $1 WHERE platform = $2 AND chat_id = $3")
            .bind(new_chat_id)
            .bind(platform.as_str())
            .bind(old_chat_id)
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
        Ok(())
    }
}
