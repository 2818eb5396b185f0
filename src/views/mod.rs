pub mod case_detail;
pub mod case_list;
pub mod fields;
pub mod guide;
pub mod new_case;
pub mod quick_log;
pub mod settings;
