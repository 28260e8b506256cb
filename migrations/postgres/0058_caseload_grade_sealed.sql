-- A disabled persons' roster's grade (残疾等级) is health data, as the disability's kind beside it
-- (`caseload.detail`, sealed from the first row): sealed too (`caseload.grade`, SM4-GCM), in
-- this column. Rows taken in before keep theirs in `grade` until the server's start seals them
-- (`caseload_grades_v1`) and empties `grade`, which nothing writes any more.
ALTER TABLE caseload ADD COLUMN grade_sealed TEXT;
